"""The pipeline as one function: discover -> parse -> resolve -> normalise -> evaluate.

`scan(paths, config, options)` returns a ScanResult; reporting and exit codes are the CLI's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import gc
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sovlint import catalog
from sovlint.cache import ParseCache
from sovlint.catalog.endpoints import registry_trusted
from sovlint.config import (
    BUILTIN_RULE_IDS,
    Config,
    rule_enabled,
    rule_ignorable,
    rule_severity,
)
from sovlint.discover import Discovery, discover, read_input_text
from sovlint.engine import Deny, PolicyEngine
from sovlint.engine.metadata import BUILTIN_ID_RE, RuleMetadata
from sovlint.fold import fold_into_unread_modules
from sovlint.inputs import (
    REASON_NOT_MANIFEST,
    SKIP_FILE_TYPE,
    SKIP_HELM_TEMPLATE,
    SKIP_REPLACED_BY_TOFU,
    SKIP_TERRAFORM_FILE_INPUT,
)
from sovlint.model import (
    SEVERITIES,
    Diagnostic,
    Finding,
    ParseError,
    Resource,
    RuleDescription,
    ScanResult,
    Severity,
    severity_rank,
)
from sovlint.normalise.classification import apply_type_overrides
from sovlint.normalise.containers import (
    attach_configmaps,
    provider_sites,
    provider_telemetry_records,
)
from sovlint.normalise.flows import resolve_flows
from sovlint.normalise.scope import apply_scope, propagate_scope
from sovlint.normalise.terraform import (
    inherit_parent_locations,
    normalise_backend,
    normalise_instance,
    normalise_unread_module,
)
from sovlint.parsers.hcl import parse_hcl
from sovlint.resources import builtin_policies_dir
from sovlint.rootcache import (
    RootCache,
    cached_callers_index,
    cached_denies,
    cached_scan,
    cached_yaml_stream,
    directory_dependencies,
    record_discovery,
    record_root,
    record_uncacheable,
    root_files,
)
from sovlint.suppress import apply_baseline, apply_inline_ignores, read_baseline
from sovlint.terraform.evaluator import EvaluationDeadline, time_budget
from sovlint.terraform.loader import (
    LIMIT_EXCEEDED,
    FileReference,
    TerraformLoader,
    configuration_files,
)
from sovlint.terraform.syntax import ConfigFile, Literal

if TYPE_CHECKING:
    from sovlint.parsers.yamldocs import ParsedYaml

STDIN = "-"


@dataclass(frozen=True)
class ScanOptions:
    variables: dict[str, str] = field(default_factory=dict)
    var_files: tuple[str, ...] = ()
    jobs: int = 1
    stdin_text: str | None = None
    environ: dict[str, str] | None = None
    baseline: str | None = None  # findings recorded there are suppressed (kind baseline)
    today: datetime.date | None = None  # for `until=` of inline ignores; default: today
    progress: Callable[[str], None] | None = None  # stage messages for long scans
    use_cache: bool = False  # parse cache in the user cache directory (the CLI turns it on)


@dataclass
class _Collected:
    resources: list[Resource] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    scanned: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)
    skip_reasons: dict[str, list[str]] = field(default_factory=dict)  # reason -> files
    # Every skipped file's reason (a SKIP_* label), for the summary's count per reason.
    skip_why: dict[str, str] = field(default_factory=dict)
    # Files Terraform's file()/templatefile() calls read: not input (SPEC §2).
    file_references: list[FileReference] = field(default_factory=list)

    _file_reads: _FileReads | None = None

    def skip(self, display: str, why: str) -> None:
        self.skipped.add(display)
        self.skip_why.setdefault(display, why)

    def file_reads(self, root: Path) -> _FileReads:
        """The files Terraform reads, once the Terraform is evaluated (built once)."""
        if self._file_reads is None:
            self._file_reads = _FileReads(self.file_references, root)
        return self._file_reads
    # Root module directory -> the resources its HCL gave (a plan of that directory replaces
    # them, and maps its findings back to their HCL lines).
    terraform_roots: dict[Path, list[Resource]] = field(default_factory=dict)


def display_root_for(paths: Sequence[str]) -> Path:
    """Paths in reports are relative to the current directory when the scan is below it."""
    cwd = Path.cwd()
    for raw in paths:
        if raw == STDIN:
            continue
        path = Path(raw).absolute()
        try:
            path.relative_to(cwd)
        except ValueError:
            return path if path.is_dir() else path.parent
    return cwd


def _scan_root(paths: Sequence[str]) -> Path:
    """The first scanned directory (a file's own directory), else the current directory."""
    for raw in paths:
        path = Path(raw).absolute()
        return path if path.is_dir() else path.parent
    return Path.cwd()


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return os.path.relpath(path, root).replace(os.sep, "/")


# Files larger than this are reported (SOV000), not read: IaC files are small, and a huge file
# with an IaC name is more likely a generated dump or an attack on the parser.
MAX_FILE_BYTES = 20 * 1024 * 1024


# HCL files larger than this are reported (SOV000), not parsed: parsing and evaluating takes
# about 350 times the file's size in memory (3 MB of 52,000 buckets: 1 GB), so a 19 MB file of
# 250,000 resources or a 10 MB line would exhaust a CI runner. The largest .tf of the public
# corpus sovlint is measured on (26,000 files) is under 512 KiB.
MAX_HCL_BYTES = 4 * 1024 * 1024


def _read_text(path: Path, display: str) -> tuple[str | None, ParseError | None]:
    return read_input_text(path, display, MAX_FILE_BYTES)


def parse_terraform_file(
    path: Path, display: str, cache: ParseCache | None = None
) -> tuple[ConfigFile | None, ParseError | None]:
    """Read and parse one `.tf` or `.tf.json` file; errors are returned, never raised."""
    text, error = read_input_text(
        path, display,
        MAX_FILE_BYTES if path.name.endswith(".json") else min(MAX_FILE_BYTES, MAX_HCL_BYTES))
    if text is None:
        return None, error
    key = cache.key(text.encode(), display) if cache is not None else ""
    if cache is not None:
        cached = cache.get(key)
        if isinstance(cached, tuple) and len(cached) == 2:
            return cached
    if path.name.endswith(".json"):
        from sovlint.parsers.tfjson import parse_tf_json

        result = parse_tf_json(text, display)
    else:
        result = parse_hcl(text, display)
    if cache is not None:
        cache.put(key, result)
    return result


# Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 40


class _TerraformFiles:
    """Parses each configuration file once, for every root module that reads it; `touched`
    collects the files asked for since it was last cleared."""

    def __init__(self, root: Path, parse_cache: ParseCache | None = None,
                 root_cache: RootCache | None = None) -> None:
        self.root = root
        self.parse_cache = parse_cache
        self.root_cache = root_cache  # results of directories, kept between scans
        self.cache: dict[Path, tuple[ConfigFile | None, ParseError | None]] = {}
        self.touched: set[Path] = set()
        self.errors: dict[Path, ParseError | None] = {}  # of files a cached result read

    def parse(self, path: Path) -> tuple[ConfigFile | None, ParseError | None]:
        path = path.absolute()
        self.touched.add(path)
        if path not in self.cache:
            self.cache[path] = parse_terraform_file(path, _display(path, self.root),
                                                    self.parse_cache)
        return self.cache[path]

    def called_directories(self, directory: Path) -> set[Path]:
        """Local module directories a directory's module blocks call."""
        if self.root_cache is None:
            return self._called_directories(directory)
        cache = self.root_cache

        # Strings, not paths, in the entry: unpickling a Path costs more than making one.
        def compute() -> tuple[list[str], list[tuple[str, ParseError | None]]]:
            called = sorted(str(d) for d in self._called_directories(directory))
            return called, [(str(p), self.cache[p][1]) for p in configuration_files(directory)]

        def inputs(value: tuple[list[str], list[tuple[str, ParseError | None]]]) -> list[
                tuple[str, str, str | None]]:
            return directory_dependencies(cache.snapshot, [directory], [p for p, _ in value[1]])

        called, read = cache.cached(cache.key("calls", directory, self.root), compute, inputs)
        for name, error in read:
            path = Path(name)
            self.touched.add(path)
            self.errors.setdefault(path, error)
        return {Path(d) for d in called}

    def _called_directories(self, directory: Path) -> set[Path]:
        called: set[Path] = set()
        for path in configuration_files(directory):
            parsed, _ = self.parse(path)
            if parsed is None:
                continue
            for block in parsed.blocks:
                if block.type != "module":
                    continue
                source = block.body.attributes.get("source")
                if source is None or not isinstance(source.expr, Literal):
                    continue
                value = source.expr.value
                if isinstance(value, str) and value.startswith(("./", "../")):
                    called.add((directory / value).resolve())
        return called

    def take_touched(self) -> list[tuple[str, ParseError | None]]:
        """(display path, parse error) of the files asked for since the last call."""
        taken = [(_display(path, self.root),
                  self.cache[path][1] if path in self.cache else self.errors[path])
                 for path in sorted(self.touched)]
        self.touched = set()
        return taken


def _root_modules(calls: dict[Path, set[Path]]) -> set[Path]:
    """Directories evaluated as root modules: those no other scanned directory calls. A
    directory calling itself, or a cycle no root reaches, is still evaluated (from its first
    member), so that no configuration is dropped; the loader reports the cycle."""
    directories = list(calls)
    called = {c for targets in calls.values() for c in targets}
    roots = {d for d in directories if d not in called}
    reached: set[Path] = set()
    pending = list(roots)
    while True:
        while pending:
            current = pending.pop()
            if current not in reached:
                reached.add(current)
                pending.extend(calls.get(current, ()))
        orphans = sorted(d for d in directories if d not in reached)
        if not orphans:
            return roots
        roots.add(orphans[0])
        pending.append(orphans[0])


@dataclass(frozen=True)
class _RootInputs:
    """What evaluating a root module needs besides its files (sent to worker processes)."""

    root: Path  # the display root
    variables: dict[str, str]
    var_files: tuple[Path, ...]
    environ: dict[str, str]
    use_cache: bool
    root_timeout: float | None = None  # seconds for one root module (terraform.root_timeout)

    def new_files(self) -> _TerraformFiles:
        return _TerraformFiles(self.root, ParseCache() if self.use_cache else None,
                               RootCache() if self.use_cache else None)


@dataclass
class _RootResult:
    """One directory evaluated as a root module."""

    resources: list[Resource] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    failed: bool = False  # an internal error: `errors` says which, nothing else is kept
    # Files the evaluation read (its own and its modules'), with their parse errors.
    files: list[tuple[str, ParseError | None]] = field(default_factory=list)
    file_references: list[FileReference] = field(default_factory=list)
    directories: list[str] = field(default_factory=list)  # the module directories read


def _evaluate_root(directory: Path, inputs: _RootInputs, files: _TerraformFiles) -> _RootResult:
    """`_evaluate_root_now`, or its result kept from an earlier scan when nothing it read
    has changed (`sovlint.rootcache`)."""
    cache = files.root_cache
    if cache is None:
        return _evaluate_root_now(directory, inputs, files)

    def inputs_read(result: _RootResult) -> list[tuple[str, str, str | None]] | None:
        if result.failed:
            return None  # an internal error is not kept
        read = [os.path.normpath(os.path.join(inputs.root, display))
                for display, _ in result.files]
        read += root_files(directory, inputs.var_files)
        read += [ref.path for ref in result.file_references if "*" not in ref.path]
        return directory_dependencies(cache.snapshot, [str(directory), *result.directories],
                                      read)

    key = cache.key("root", directory, inputs.root, inputs.variables, inputs.var_files,
                    inputs.environ)
    return cache.cached(key, lambda: _evaluate_root_now(directory, inputs, files),
                        inputs_read)


def _evaluate_root_now(directory: Path, inputs: _RootInputs,
                       files: _TerraformFiles) -> _RootResult:
    """Resources of one root module: evaluated, normalised, located, with their flows."""
    files.take_touched()
    loader = TerraformLoader(directory, inputs.root, files.parse,
                             variables=inputs.variables, var_files=list(inputs.var_files),
                             environ=inputs.environ)
    try:
        with time_budget(inputs.root_timeout):
            loaded = loader.load()
            managed = {i.address: i for i in loaded.resources if i.mode == "managed"}
            normalised = [normalise_instance(instance) for instance in managed.values()]
            located = inherit_parent_locations(normalised, managed)
            resources = resolve_flows(located, managed)
    except EvaluationDeadline:
        # Fail closed: none of the root's resources is judged, the root itself is an error
        # on its first file, and the other roots are evaluated as usual.
        return _RootResult(failed=True, files=files.take_touched(), errors=[ParseError(
            _first_file(directory, inputs.root), 1,
            f"{LIMIT_EXCEEDED}: the root module {_display(directory, inputs.root)} took more "
            f"than {inputs.root_timeout:g} s to evaluate (terraform.root_timeout); its "
            "resources are not checked")])
    except Exception as exc:
        # A defect of ours, not of the input: say so, and keep scanning the rest. The gate
        # must not pass on a module it could not evaluate.
        return _RootResult(failed=True, files=files.take_touched(), errors=[ParseError(
            _display(directory, inputs.root), 1,
            f"internal error while evaluating this module ({type(exc).__name__}: {exc}); "
            "please report it")])
    resources += provider_telemetry_records(provider_sites(managed.values()))
    if loaded.backend is not None:
        resources.append(normalise_backend(loaded.backend))
    resources += [normalise_unread_module(module) for module in loaded.unread_modules]
    root = _display(directory, inputs.root)
    resources = [resource.with_root(root) for resource in resources]
    # Errors of variable files, and of the module files the loader read.
    return _RootResult(resources, loaded.diagnostics, loaded.errors, files=files.take_touched(),
                       file_references=loaded.file_references,
                       directories=[str(d) for d in loader.module_directories()])


def _first_file(directory: Path, root: Path) -> str:
    """The display name of a module directory's first configuration file (the directory
    itself when it has none left)."""
    files = configuration_files(directory)
    return _display(files[0] if files else directory, root)


def _lower_unread_modules(findings: list[Finding], out: _Collected) -> list[Finding]:
    """`terraform.unread_modules: diagnostic`: SOV004 on a module call whose source was not
    read becomes a note on the call, never nothing. SOV001 (an argument naming a place
    outside the allowed countries) stays a finding."""
    kept: list[Finding] = []
    for finding in findings:
        if finding.rule_id == "SOV004" and finding.resource_type == "module":
            where = f" (root {finding.root})" if finding.root not in (None, "", ".") else ""
            message = finding.message.removeprefix(f"{finding.resource}: ")
            out.diagnostics.append(Diagnostic(
                finding.file, f"{finding.resource}{where}: not checked (SOV004, lowered by "
                f"terraform.unread_modules): {message}", finding.line))
        else:
            kept.append(finding)
    return kept


# In a worker process: what evaluating a root needs (set once, when the worker starts) and
# the files parsed by earlier jobs of the same scan, reused.
_worker_inputs: _RootInputs | None = None
_worker_files: _TerraformFiles | None = None


def _start_worker(inputs: _RootInputs) -> None:
    global _worker_inputs, _worker_files
    _worker_inputs = inputs
    _worker_files = inputs.new_files()


def _directory_job(directory: Path) -> tuple[
        set[Path], list[tuple[str, ParseError | None]], _RootResult]:
    """In a worker: the modules a directory calls, its own files, and its evaluation as a
    root module (kept only if no other directory calls it: the worker cannot know)."""
    assert _worker_inputs is not None and _worker_files is not None
    called = _worker_files.called_directories(directory)
    own_files = _worker_files.take_touched()
    return called, own_files, _evaluate_root(directory, _worker_inputs, _worker_files)


# The files of the scanned directories with their parse errors, and the root modules' results.
_DirectoryOutcome = tuple[list[tuple[str, ParseError | None]], dict[Path, _RootResult]]


class _Counter:
    """Counts work done for the progress messages: says `done/total` at most every
    ``interval`` seconds, and always when the last item is done. Nothing when no one listens."""

    def __init__(self, report: Callable[[str], None] | None, total: int, what: str,
                 interval: float = 0.5) -> None:
        self.report, self.total, self.what, self.interval = report, total, what, interval
        self.done, self.last = 0, time.monotonic()

    def step(self, extra: str = "") -> None:
        self.done += 1
        if self.report is None:
            return
        now = time.monotonic()
        if self.done == self.total or now - self.last >= self.interval:
            self.last = now
            self.report(f"{self.done}/{self.total} {self.what} done{extra}")


def _start_directories(directories: list[Path], inputs: _RootInputs, jobs: int,
                       file_count: int, progress: Callable[[str], None] | None = None,
                       ) -> Callable[[], _DirectoryOutcome]:
    """Every Terraform directory: which modules it calls, and the evaluation of the root
    modules among them; with their files and parse errors. Returns the function that waits
    for the result, so that the caller can read the manifests meanwhile.

    In one process, only the roots are evaluated. Across processes, each directory is parsed
    and evaluated in a worker (in order, so neighbouring directories share their modules'
    parses) and the evaluations of directories that turn out to be called by another are
    dropped: the same result as one process for any number of jobs, and most of the work
    parallel."""
    if jobs <= 1 or file_count < PARALLEL_THRESHOLD or len(directories) < 2:
        def evaluate_here() -> _DirectoryOutcome:
            files = inputs.new_files()
            calls = {d: files.called_directories(d) - {d} for d in directories}
            scanned = files.take_touched()
            roots = _root_modules(calls)
            counter = _Counter(progress, len(roots), "Terraform roots")
            evaluated: dict[Path, _RootResult] = {}
            for directory in directories:
                if directory in roots:
                    evaluated[directory] = _evaluate_root(directory, inputs, files)
                    counter.step()
            return scanned, evaluated
        return evaluate_here
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker,
                               initargs=(inputs,))
    chunk = max(1, len(directories) // (jobs * 8))
    outcomes = pool.map(_directory_job, directories, chunksize=chunk)

    def wait() -> _DirectoryOutcome:
        calls: dict[Path, set[Path]] = {}
        scanned: list[tuple[str, ParseError | None]] = []
        evaluated: dict[Path, _RootResult] = {}
        counter = _Counter(progress, len(directories), "Terraform directories")
        with pool:
            for directory, (called, own_files, result) in zip(directories, outcomes,
                                                              strict=True):
                calls[directory] = called - {directory}
                scanned += own_files
                evaluated[directory] = result
                counter.step(f", {len(scanned)} files read")
        roots = _root_modules(calls)
        return scanned, {d: r for d, r in evaluated.items() if d in roots}
    return wait


# A relative module source in a configuration file's text: the cheap test that picks the
# files worth parsing when looking for the callers of a changed module.
_RELATIVE_SOURCE = re.compile(r'source\s*=\s*"(\.\.?/[^"]*)"')


def with_callers(directories: list[Path], exclude: Sequence[str], base_dir: Path,
                 root: Path, use_cache: bool = False) -> list[Path]:
    """File arguments (a pre-commit run): the directories of the changed `.tf` files, each
    replaced by the root modules of its repository that call it, directly or through other
    modules, so that a shared module is evaluated as every caller deploys it (SPEC §3). A
    directory no one calls stays as it is. The repository is the nearest ancestor holding
    `.git` (else the working directory); only files naming a relative module source are
    parsed."""
    from sovlint.discover import _tree_of

    wanted = set(directories)
    trees = sorted({_tree_of(d / "x") for d in directories})
    # Who may call whom, from the text alone; only the callers met on the way up from a
    # changed directory are parsed, to confirm their calls.
    maybe_callers: dict[str, set[str]] = {}  # real paths
    for tree in trees:
        def index(tree: Path = tree) -> tuple[dict[str, set[str]], list[str]]:
            found: dict[str, set[str]] = {}
            discovery = discover([str(tree)], exclude, base_dir)
            read = [str(d) for d in discovery.walked]
            for directory in discovery.terraform_dirs:
                directory = Path(os.path.realpath(directory))
                for path in configuration_files(directory):
                    read.append(str(path))
                    text, _ = _read_text(path, _display(path, root))
                    for source in _RELATIVE_SOURCE.findall(text or ""):
                        target = os.path.realpath(directory / source)
                        if target != str(directory):
                            found.setdefault(target, set()).add(str(directory))
            return found, read

        for target, sources in cached_callers_index(tree, exclude, base_dir, use_cache,
                                                    index).items():
            maybe_callers.setdefault(target, set()).update(sources)
    files = _TerraformFiles(root, ParseCache() if use_cache else None,
                            RootCache() if use_cache else None)
    confirmed: dict[Path, set[Path]] = {}

    def callers(directory: Path) -> set[Path]:
        if directory not in confirmed:
            confirmed[directory] = {Path(c) for c in maybe_callers.get(str(directory), ())
                                    if directory in files.called_directories(Path(c))}
        return confirmed[directory]

    result: set[Path] = set()
    for directory in wanted:
        pending, seen, tops = [directory], {directory}, set()
        while pending:
            current = pending.pop()
            above = callers(current)
            if not above:
                tops.add(current)
            pending.extend(above - seen)
            seen |= above
        result |= tops or {directory}
    return sorted(result)


def _start_terraform(discovery: Discovery, root: Path, options: ScanOptions,
                     callers_of: Callable[[list[Path]], list[Path]] | None = None,
                     root_timeout: float | None = None,
                     ) -> Callable[[_Collected], None]:
    """Starts evaluating the Terraform of the scan; the function returned waits for it and
    adds its resources, errors and files to `out`."""
    inputs = _RootInputs(
        root=root,
        variables=dict(options.variables),
        var_files=tuple(Path(p).absolute() for p in options.var_files),
        environ=dict(os.environ) if options.environ is None else dict(options.environ),
        use_cache=options.use_cache,
        root_timeout=root_timeout,
    )
    directories = list(dict.fromkeys(Path(os.path.realpath(d))
                                     for d in discovery.terraform_dirs))
    if callers_of is not None:
        directories = callers_of(directories)
    wait = _start_directories(directories, inputs, options.jobs,
                              len(discovery.of_kind("terraform")), options.progress)

    def finish(out: _Collected) -> None:
        scanned, results = wait()
        files: dict[str, ParseError | None] = dict(scanned)
        for directory in directories:
            result = results.get(directory)
            if result is None:
                continue  # evaluated in its callers' context (SPEC §4.1 "Roots")
            files.update(result.files)
            record_root(directory, root, inputs.var_files, (f for f, _ in result.files),
                        result.directories, result.file_references)
            out.errors.extend(result.errors)
            out.file_references.extend(result.file_references)
            if result.failed:
                continue
            out.diagnostics.extend(result.diagnostics)
            out.terraform_roots[directory] = result.resources
            out.resources.extend(result.resources)
        for display, error in sorted(files.items()):
            out.scanned.add(display)
            if error is not None:
                out.errors.append(error)
        for item in discovery.of_kind("tfvars"):
            out.scanned.add(_display(item.path, root))
        for display in _replaced_by_tofu(discovery, root):
            out.skip(display, SKIP_REPLACED_BY_TOFU)
    return finish


def _replaced_by_tofu(discovery: Discovery, root: Path) -> set[str]:
    """`.tf` files that a `.tofu` file of the same name replaces (OpenTofu never reads them)."""
    tofu_dirs = {item.path.parent for item in discovery.of_kind("terraform")
                 if item.path.name.endswith((".tofu", ".tofu.json"))}
    read = {path for directory in tofu_dirs for path in configuration_files(directory)}
    return {_display(item.path, root) for item in discovery.of_kind("terraform")
            if item.path.parent in tofu_dirs and item.path not in read}


@dataclass(frozen=True)
class _Stream:
    """A YAML/JSON stream to read Kubernetes objects from, and where its objects come from."""

    display: str
    parsed: ParsedYaml
    text: str = ""
    # Rendered Kustomize output: (kind, name) -> (file, line) of the input that declared it.
    origins: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    is_json: bool = False
    # The overlay or chart that rendered it (its objects' `root`); None for a plain stream.
    root: str | None = None


def _kustomize(discovery: Discovery, root: Path, out: _Collected) -> tuple[list[_Stream],
                                                                          set[Path]]:
    """Render kustomization roots; returns the rendered streams and the files they consumed."""
    from sovlint.parsers.render import (
        kustomization_file,
        referenced_kustomizations,
        render_kustomization,
    )
    from sovlint.parsers.yamldocs import kubernetes_objects, parse_yaml_stream

    directories = sorted({d.resolve() for d in discovery.kustomizations})
    bases = {base for d in directories for base in referenced_kustomizations(d)}
    streams: list[_Stream] = []
    consumed: set[Path] = set()
    for directory in directories:
        if directory in bases:
            continue  # rendered through the overlay that builds on it
        display = _display(kustomization_file(directory) or directory, root)
        rendered = render_kustomization(directory, root)
        if rendered.unread:
            out.resources.append(_unread_kustomization(directory, display, root,
                                                       rendered.problem or ""))
            continue
        if rendered.text is None:
            out.diagnostics.append(Diagnostic(
                display, f"kustomization not rendered: {rendered.problem}; its files are "
                "scanned as plain manifests"))
            continue
        members = _kustomize_members(directory)
        consumed |= members
        origins: dict[tuple[str, str], tuple[str, int]] = {}
        for member in sorted(members):
            text, _ = _read_text(member, _display(member, root))
            if text is None:
                continue
            for obj, document in kubernetes_objects(parse_yaml_stream(text, member.name)):
                name = str((obj.get("metadata") or {}).get("name", ""))
                origins.setdefault((str(obj["kind"]), name),
                                   (_display(member, root), document.line))
        streams.append(_Stream(display, parse_yaml_stream(rendered.text, display),
                               rendered.text, origins, root=_display(directory, root)))
    return streams, consumed


def _helm_charts(discovery: Discovery, root: Path, out: _Collected) -> list[_Stream]:
    """Charts rendered with `helm template` when helm is on PATH; templates are never parsed
    as YAML. `# Source:` paths are relative to the chart's parent directory."""
    from sovlint.parsers.render import render_helm_chart
    from sovlint.parsers.yamldocs import parse_yaml_stream

    streams: list[_Stream] = []
    for chart in discovery.helm_charts:
        display = _display(chart / "Chart.yaml", root)
        rendered = render_helm_chart(chart)
        if rendered.text is None:
            out.resources.append(_unrendered_chart(chart, display, root, rendered.problem))
            continue
        prefix = _display(chart.parent, root)
        text = rendered.text
        if prefix not in (".", ""):
            text = _prefix_sources(text, prefix)
        streams.append(_Stream(display, parse_yaml_stream(text, display), text,
                               root=_display(chart, root)))
    return streams


def _unread_kustomization(directory: Path, display: str, root: Path, problem: str) -> Resource:
    """A kustomization naming what sovlint does not read (a remote base or component, a
    missing entry, a path out of the tree): the objects it would build are unknown, so it is
    a SOV004 finding, never a pass. Its local files are still scanned as plain manifests."""
    path = _display(directory, root)
    reason = (f"kustomization not rendered: {problem}; the objects it builds were not read: "
              "vendor what it names into the repository, or render it where that is allowed "
              f"and scan the output, `kubectl kustomize {path} | sovlint scan -` (its local "
              "files are scanned as plain manifests)")
    return _unread_objects("Kustomization", path, display, "kustomization not rendered",
                           reason, {"kustomization": path})


def _unrendered_chart(chart: Path, display: str, root: Path, problem: str | None) -> Resource:
    """A chart that could not be rendered (SPEC §2): its objects are unknown, so the chart
    itself is a SOV004 finding with the command that renders it; never a silent pass."""
    name = _chart_name(chart)
    path = _display(chart, root)
    command = f"helm template {name} {path} | sovlint scan -"
    reason = (f"Helm chart not rendered ({problem or 'helm template failed'}), its objects "
              f"were not read: render it and scan the output, `{command}`")
    return _unread_objects("HelmChart", name, display, "helm chart not rendered", reason,
                           {"chart": path})


def _unread_objects(kind: str, name: str, display: str, how: str, reason: str,
                    attributes: dict[str, str]) -> Resource:
    """The record standing for Kubernetes objects sovlint could not read (`KIND/NAME`, on line
    1 of `display`): unlocated, data-bearing, so SOV004 reports `reason`."""
    from sovlint.model import UNKNOWN_PROVIDER, Location, Source

    return Resource(
        address=f"{kind}/{name}", type=kind, kind="kubernetes",
        source=Source(display, 1, 1), provider=UNKNOWN_PROVIDER,
        location=Location(mode="unknown", how=how, unresolved_reason=reason),
        data_bearing=True, attributes=attributes,
    )


def _chart_name(chart: Path) -> str:
    """The chart's `name:` from Chart.yaml (the directory name when it has none)."""
    try:
        text = (chart / "Chart.yaml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return chart.name
    match = re.search(r"^name:\s*['\"]?([A-Za-z0-9._-]+)", text, re.MULTILINE)
    return match.group(1) if match else chart.name


def _prefix_sources(text: str, prefix: str) -> str:
    """`# Source: chart/templates/x.yaml` -> `# Source: <prefix>/chart/templates/x.yaml`."""
    return "\n".join(
        re.sub(r"^(#\s*Source:\s*)", lambda match: f"{match.group(1)}{prefix}/", line)
        for line in text.split("\n")
    )


def _kustomize_members(directory: Path) -> set[Path]:
    """YAML files of a kustomization and of the bases it builds on."""
    from sovlint.parsers.render import referenced_kustomizations

    members: set[Path] = set()
    pending = [directory]
    seen: set[Path] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        members |= {p.resolve() for p in current.rglob("*.y*ml")}
        pending.extend(referenced_kustomizations(current))
    return members


def _object_source(stream: _Stream, obj: dict[str, Any], line: int,
                   sources: list[tuple[int, str]]) -> tuple[str, int]:
    """Where a finding on this object should point: the Kustomize input or Helm template when
    known, else the stream itself."""
    from sovlint.parsers.render import plausible_template_path, template_position

    if stream.origins:
        name = str((obj.get("metadata") or {}).get("name", ""))
        origin = stream.origins.get((str(obj.get("kind")), name))
        return origin if origin is not None else (stream.display, 1)
    position = template_position(line, sources) if sources else None
    if position is not None and not plausible_template_path(position[0]):
        position = None
    return position if position is not None else (stream.display, line)


def _cluster_location(config: Config, out: _Collected) -> tuple[str | None, str | None]:
    """(provider, region) where unpinned workloads run: `kubernetes.cluster`, or the Terraform
    cluster resource it names (`kubernetes.cluster.terraform`) when it is in the scan."""
    cluster = config.kubernetes_cluster
    if cluster.terraform:
        found = next((r for r in out.resources if r.address == cluster.terraform), None)
        if found is None:
            out.diagnostics.append(Diagnostic(
                config.source or "", f"kubernetes.cluster.terraform: {cluster.terraform} is not "
                "a resource of this scan"))
        elif found.location.region_id:
            return found.provider.id, found.location.region_id
    return cluster.provider, cluster.region


@dataclass
class _Manifests:
    """Manifest streams read (and rendered) but not yet turned into resources, and plan JSON
    documents, which wait for the Terraform they may replace."""

    streams: list[_Stream] = field(default_factory=list)
    plans: list[tuple[str, str, Path | None]] = field(default_factory=list)  # text, file, dir


def _read_manifests(discovery: Discovery, root: Path, options: ScanOptions,
                    out: _Collected) -> _Manifests | None:
    """Parse the YAML and JSON inputs (render Kustomize and Helm): None for a Terraform-only
    scan (a pre-commit run), which never imports the YAML machinery."""
    if (options.stdin_text is None and not discovery.kustomizations
            and not discovery.helm_charts
            and not any(item.kind in ("yaml", "json") for item in discovery.files)):
        return None
    from sovlint.parsers.tfplan import is_plan_json
    from sovlint.parsers.yamldocs import parse_json_document, parse_yaml_stream

    found = _Manifests()
    streams, consumed = _kustomize(discovery, root, out)
    streams += _helm_charts(discovery, root, out)
    for item in discovery.files:
        if item.kind not in ("yaml", "json"):
            continue
        display = _display(item.path, root)
        if consumed and item.path.resolve() in consumed:
            out.scanned.add(display)  # read through its kustomization's rendered output
            continue
        text, error = _read_text(item.path, display)
        if text is None:
            assert error is not None
            out.errors.append(error)
            out.scanned.add(display)
            continue
        if item.kind == "json":
            if is_plan_json(text):
                record_uncacheable()  # a plan may read its configuration's modules
                found.plans.append((text, display, item.path.parent.resolve()))
                continue
            streams += _kept(_Stream(display, parse_json_document(text, display), text,
                                     is_json=True), out)
        elif _certainly_not_manifest(text):
            out.skip(display, REASON_NOT_MANIFEST)  # not parsed, and its text is not kept
        else:
            streams += _kept(_Stream(display, cached_yaml_stream(text, display,
                                                                 options.use_cache), text), out)
    if options.stdin_text is not None and is_plan_json(options.stdin_text):
        found.plans.append((options.stdin_text, "<stdin>", None))
    elif options.stdin_text is not None:
        streams.append(_Stream("<stdin>", parse_yaml_stream(options.stdin_text, "<stdin>"),
                               options.stdin_text))
    found.streams = streams
    return found


def _kept(stream: _Stream, out: _Collected) -> list[_Stream]:
    """What `_scan_manifests` will read of a plain stream, taken as soon as it is parsed so
    that no file's text or documents wait for the Terraform: nothing for a stream that holds
    no object (skipped now, as `_scan_manifests` would), else only the documents holding
    objects, and the text only when Helm's `# Source:` comments in it are needed."""
    from sovlint.parsers.yamldocs import ParsedYaml, kubernetes_objects

    parsed = stream.parsed
    holding = tuple(d for d in parsed.documents if kubernetes_objects(ParsedYaml((d,), ())))
    if not holding:
        if not parsed.errors:
            out.skipped.add(stream.display)  # YAML that is not Kubernetes (CI, values.yaml)
            return []
        if _skip_non_input(stream, out):
            return []
    text = stream.text if holding and "# Source:" in stream.text else ""
    return [dataclasses.replace(stream, parsed=ParsedYaml(holding, parsed.errors), text=text)]


def _certainly_not_manifest(text: str) -> bool:
    """YAML with no top-level `kind` key (test recordings, CI files, values) is skipped
    without a parse; a template is still parsed, so that an unparseable one is skipped with
    its reason as before."""
    from sovlint.inputs import skip_reason
    from sovlint.parsers.yamldocs import may_hold_manifest

    return not may_hold_manifest(text) and skip_reason(text, False) == REASON_NOT_MANIFEST


def _scan_manifests(manifests: _Manifests, discovery: Discovery, root: Path, config: Config,
                    options: ScanOptions, out: _Collected) -> None:
    """Resources of the manifests read, and of the plans (after the Terraform evaluation)."""
    from sovlint.normalise.kubernetes import CLUSTER_UNCONFIGURED, normalise_object
    from sovlint.parsers.render import helm_sources
    from sovlint.parsers.yamldocs import kubernetes_objects

    for text, display, directory in manifests.plans:
        _scan_plan(text, display, out, directory, root, options)
    cluster_provider, cluster_region = _cluster_location(config, out)
    unpinned_without_cluster = False
    read_by_terraform = out.file_reads(root)
    for stream in manifests.streams:
        reference = read_by_terraform.of(stream.display)
        if reference is not None and (reference.function == "templatefile"
                                      or (stream.parsed.errors and not stream.origins)):
            # A template Terraform renders, or a file it reads that is not YAML as it
            # stands: input of the Terraform, checked there, not a manifest.
            out.skip(stream.display, SKIP_TERRAFORM_FILE_INPUT)
            continue
        objects = kubernetes_objects(stream.parsed)
        if stream.parsed.errors and not objects and _skip_non_input(stream, out):
            continue
        if stream.parsed.errors:
            out.errors.extend(stream.parsed.errors)
        if not objects and not stream.parsed.errors:
            # YAML or JSON that is not Kubernetes (CI files, values.yaml)
            out.skip(stream.display, REASON_NOT_MANIFEST)
            continue
        out.scanned.add(stream.display)
        sources = helm_sources(stream.text) if "# Source:" in stream.text else []
        for obj, document in objects:
            file, line = _object_source(stream, obj, document.line, sources)
            end_line = line + (document.end_line - document.line)
            resource = normalise_object(obj, file, line, end_line, cluster_provider,
                                        cluster_region)
            if resource.data_bearing and resource.location.how == CLUSTER_UNCONFIGURED:
                unpinned_without_cluster = True
            out.resources.append(resource if stream.root is None
                                 else resource.with_root(stream.root))
    _note_non_inputs(out)
    if unpinned_without_cluster:
        out.diagnostics.append(Diagnostic(
            "", "kubernetes: the cluster location is not configured (kubernetes.cluster in "
            ".sovlint.yaml); workloads that are not pinned to a region are not judged"))
    for item in discovery.of_kind("helm-template"):
        out.skip(_display(item.path, root), SKIP_HELM_TEMPLATE)


def _skip_non_input(stream: _Stream, out: _Collected) -> bool:
    """An unparseable file that is not a manifest or a plan is skipped by reason (SPEC §2)."""
    from sovlint.inputs import skip_reason

    if stream.origins or not stream.text:
        return False
    # A syntax error only: a file refused by a limit (nesting, alias bomb) was not read, and
    # stays SOV000 whatever it looks like.
    if not all(e.message.startswith(("invalid YAML", "invalid JSON"))
               and not re.search(r"nest|depth", e.message) for e in stream.parsed.errors):
        return False
    reason = skip_reason(stream.text, stream.is_json)
    if reason is None:
        return False
    out.skip(stream.display, reason)
    out.skip_reasons.setdefault(reason, []).append(stream.display)
    return True


class _FileReads:
    """Which scanned files Terraform's file()/templatefile() calls read."""

    def __init__(self, references: Sequence[FileReference], root: Path) -> None:
        self.root = Path(os.path.realpath(root))
        self.exact: dict[str, FileReference] = {}
        self.patterns: list[tuple[re.Pattern[str], FileReference]] = []
        for reference in references:
            if "*" in reference.path:
                regex = "".join("[^/]*" if part == "*" else re.escape(part)
                                for part in re.split(r"(\*)", reference.path))
                self.patterns.append((re.compile(regex + r"\Z"), reference))
            else:
                self.exact.setdefault(os.path.realpath(reference.path), reference)

    def of(self, display: str) -> FileReference | None:
        if not self.exact and not self.patterns:
            return None
        path = os.path.realpath(self.root / display)
        found = self.exact.get(path)
        if found is None:
            found = next((ref for pattern, ref in self.patterns if pattern.match(path)), None)
        return found


def _skip_counts(out: _Collected, root: Path) -> dict[str, int]:
    """How many files were skipped, by reason; a file Terraform reads counts as that."""
    reads = out.file_reads(root)
    counts: dict[str, int] = {}
    for display in sorted(out.skipped - out.scanned):
        why = out.skip_why.get(display, SKIP_FILE_TYPE)
        if why != SKIP_TERRAFORM_FILE_INPUT and reads.of(display) is not None:
            why = SKIP_TERRAFORM_FILE_INPUT
        counts[why] = counts.get(why, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _note_non_inputs(out: _Collected) -> None:
    """One note per reason: how many files were skipped as not input, and which."""
    for reason in sorted(out.skip_reasons):
        files = sorted(out.skip_reasons[reason])
        shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
        out.diagnostics.append(Diagnostic(
            "", f"skipped {len(files)} file(s), not infrastructure input ({reason}): {shown}"))


def _hcl_sources(directory: Path | None, root: Path, options: ScanOptions,
                 out: _Collected) -> dict[str, Resource]:
    """Resources of the plan's own configuration, by address, for mapping lines back."""
    if directory is None:
        return {}
    if directory not in out.terraform_roots and bool(configuration_files(directory)):
        files = _TerraformFiles(root)
        try:
            loaded = TerraformLoader(directory, root, files.parse, variables=options.variables,
                                     environ=options.environ or {}).load()
        except Exception:
            return {}
        return {i.address: normalise_instance(i) for i in loaded.resources
                if i.mode == "managed"}
    return {r.address: r for r in out.terraform_roots.get(directory, [])}


def _scan_plan(text: str, display: str, out: _Collected, directory: Path | None, root: Path,
               options: ScanOptions) -> None:
    """Terraform plan JSON: the resources as Terraform planned them. When the plan's own
    configuration is in the scan, the plan replaces its HCL evaluation (the plan is the more
    exact input) and findings point at the HCL lines."""
    from sovlint.parsers.tfplan import load_plan

    out.scanned.add(display)
    by_address = _hcl_sources(directory, root, options, out)

    def hcl_lines(address: str) -> tuple[str, int, int] | None:
        found = by_address.get(address) or by_address.get(address.split("[", 1)[0])
        if found is None:
            return None
        return found.source.file, found.source.line, found.source.end_line

    files = _TerraformFiles(root)

    def hcl_file(file: str) -> ConfigFile | None:
        return files.parse(root / file)[0] if by_address else None

    try:
        plan = load_plan(text, display, hcl_lines, hcl_file)
        managed = {i.address: i for i in plan.resources if i.mode == "managed"}
        normalised = [normalise_instance(instance) for instance in managed.values()]
        resources = resolve_flows(inherit_parent_locations(normalised, managed), managed)
        resources += provider_telemetry_records(provider_sites(managed.values()))
    except Exception as exc:
        out.errors.append(ParseError(
            display, 1, f"internal error while reading this plan ({type(exc).__name__}: "
            f"{exc}); please report it"))
        return
    out.errors.extend(plan.errors)
    out.diagnostics.extend(plan.diagnostics)
    replaced = out.terraform_roots.pop(directory, None) if directory is not None else None
    if replaced:
        kept = {id(r) for r in replaced if r.kind == "backend"}  # plans do not record it
        out.resources = [r for r in out.resources
                         if id(r) in kept or all(r is not old for old in replaced)]
        out.diagnostics.append(Diagnostic(display, "the plan replaces the HCL evaluation of "
                                          "its directory (the plan's values are exact)"))
    if plan.backend is not None:
        resources.append(normalise_backend(plan.backend))
    # The plan's directory is its root module; a plan from standard input has none known.
    root_module = _display(directory, root) if directory is not None else None
    out.resources.extend(resource.with_root(root_module) for resource in resources)


def policy_input(resources: Sequence[Resource], errors: Sequence[ParseError],
                 config: Config) -> dict[str, Any]:
    allowed = catalog.expand_countries(config.allow_countries)
    allowed_codes = set(allowed)
    if catalog.expand_countries(["EU"]) <= allowed:
        allowed_codes.add("EU")  # a location spread over EU member states
    documents = [resource.to_input() for resource in resources]
    for document in documents:
        for image in document["images"]:
            image["trusted"] = registry_trusted(image["registry"], config.allow_registries)
    return {
        "resources": documents,
        "errors": [error.to_input() for error in errors],
        "config": {
            "profile": config.profile,
            "allowed_countries": sorted(allowed_codes),
            "allowed_providers": sorted(config.allow_providers),
            "allowed_registries": sorted(config.allow_registries),
        },
    }


class _Records:
    """The resource records a deny may mean. Identity is (root, address) (SPEC §3); a file
    tells apart Kubernetes objects of one address in two plain manifests."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self._by_key: dict[tuple[str | None, str, str | None], list[Resource]] = {}
        for resource in resources:
            for key in ((resource.root, resource.address, resource.source.file),
                        (resource.root, resource.address, None)):
                self._by_key.setdefault(key, []).append(resource)
            for key in (("*", resource.address, resource.source.file),
                        ("*", resource.address, None)):
                self._by_key.setdefault(key, []).append(resource)

    def meant(self, deny: Deny) -> list[Resource]:
        """The records a deny is about: the one of its root, or, for a deny that does not
        name its root (a custom policy written before roots existed), the first record of
        each root that has the address: reported for every root rather than for none."""
        if not deny.resource:
            return []
        if deny.root is not None:
            found = (self._by_key.get((deny.root, deny.resource, deny.file))
                     or self._by_key.get((deny.root, deny.resource, None)))
            if found:
                return found[:1]
        found = (self._by_key.get(("*", deny.resource, deny.file))
                 or self._by_key.get(("*", deny.resource, None)) or [])
        first: dict[str | None, Resource] = {}
        for resource in found:
            first.setdefault(resource.root, resource)
        return list(first.values())


def findings_from_denies(
    denies: Sequence[Deny],
    rules: dict[str, RuleMetadata],
    resources: Sequence[Resource],
    config: Config,
) -> list[Finding]:
    records = _Records(resources)
    findings: dict[tuple[str, str, str, str, int], Finding] = {}
    for deny in sorted(denies, key=lambda d: (d.rule_id, d.root or "", d.resource or "",
                                              d.message)):
        if not rule_enabled(config, deny.rule_id):
            continue
        metadata = rules.get(deny.rule_id)
        default: Severity = "medium"
        if metadata is not None and metadata.severity in ("low", "medium", "high", "critical"):
            default = metadata.severity  # type: ignore[assignment]
        severity = rule_severity(config, deny.rule_id, default)
        meant: list[Resource | None] = list(records.meant(deny)) or [None]
        for resource in meant:
            file = deny.file or (resource.source.file if resource else "")
            line = deny.line or (resource.source.line if resource else 1)
            end_line = resource.source.end_line if resource else line
            root = resource.root if resource is not None else deny.root
            key = (deny.rule_id, root or "", deny.resource or "", file,
                   line if resource is None else 0)
            if key in findings:
                continue  # one finding per resource and rule
            location = None
            if resource is not None:
                location = {
                    "provider": resource.provider.id,
                    "region": resource.location.region_id or resource.location.written,
                    "country": resource.location.country,
                }
            findings[key] = Finding(
                rule_id=deny.rule_id,
                rule_name=metadata.name if metadata else deny.rule_id.lower(),
                severity=severity,
                message=deny.message,
                resource=deny.resource,
                resource_type=resource.type if resource else None,
                file=file,
                line=line,
                end_line=end_line,
                location=location,
                target=deny.target,
                root=root,
            )
    return sorted(findings.values(), key=Finding.sort_key)


def custom_rule_descriptions(rules: dict[str, RuleMetadata],
                             config: Config) -> tuple[RuleDescription, ...]:
    """The enabled rules that sovlint does not ship, with their configured severity."""
    descriptions = []
    for rule_id, metadata in sorted(rules.items()):
        if BUILTIN_ID_RE.match(rule_id) or not rule_enabled(config, rule_id):
            continue
        default: Severity = (metadata.severity if metadata.severity in SEVERITIES
                             else "medium")
        descriptions.append(RuleDescription(
            id=rule_id, name=metadata.name, severity=rule_severity(config, rule_id, default),
            title=metadata.title, description=metadata.description,
            remediation=metadata.remediation, references=metadata.references))
    return tuple(descriptions)


def refused_settings(config: Config) -> list[Diagnostic]:
    """One diagnostic per setting of an untrusted repository configuration not applied."""
    return [Diagnostic(config.source or ".", message) for _key, message in config.refused]


def repository_rule_changes(config: Config,
                            rules: dict[str, RuleMetadata]) -> list[Diagnostic]:
    """One diagnostic per rule an untrusted repository configuration turned off or gave a
    severity below its own: applied (a repository may choose its rules and severities) but
    shown, so that a reviewer sees which checks the change under review switched off."""
    notes: list[Diagnostic] = []
    source = config.source or "."
    for rule_id in config.repository_rules:
        setting = config.rules.get(rule_id)
        if setting is None:
            continue
        if not setting.enabled:
            if rule_id.startswith("SOV") and not rule_enabled(
                    dataclasses.replace(config, rules={}), rule_id):
                continue  # not in the profile anyway
            notes.append(Diagnostic(source, f"rules.{rule_id}: off, set by a configuration "
                                    f"inside the scanned repository: {rule_id} is not checked"))
            continue
        metadata = rules.get(rule_id)
        if setting.severity is not None and metadata is not None and (
                severity_rank(setting.severity) < severity_rank(metadata.severity)):
            notes.append(Diagnostic(source, f"rules.{rule_id}.severity: {setting.severity} "
                                    f"(the rule's is {metadata.severity}), set by a "
                                    "configuration inside the scanned repository"))
    return notes


def default_engine(config: Config) -> PolicyEngine:
    """The engines the configuration asks for: the Rego rules (built-in and custom) in the
    embedded engine, or on an OPA server with `opa.url`; plus the Python policy modules."""
    from sovlint.engine import combine
    from sovlint.engine.python import PythonEngine, is_python_policy

    python_entries = [p for p in config.policies if is_python_policy(p)]
    directories = [builtin_policies_dir(),
                   *(Path(p) for p in config.policies if not is_python_policy(p))]
    engines: list[PolicyEngine] = []
    if config.opa_url is not None:
        from sovlint.engine.opa import OpaEngine  # the OPA client only when asked for

        engines.append(OpaEngine(config.opa_url, directories, timeout=config.opa_timeout))
    else:
        from sovlint.engine.rego import RegoEngine

        engines.append(RegoEngine(directories))
    if python_entries:
        engines.append(PythonEngine(python_entries, Path(config.base_dir)))
    return combine(engines)


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A scan builds hundreds of thousands of small, long-lived objects (syntax trees,
    resources) and frees them all at the end; the cyclic collector, run every 700 new objects,
    would walk them again and again (13 % of a 10,000-resource scan). Reference counting still
    frees everything that is not a cycle, and the collector runs again after the scan."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def scan(
    paths: Sequence[str],
    config: Config,
    options: ScanOptions | None = None,
    engine: PolicyEngine | None = None,
) -> ScanResult:
    """Scan the paths and evaluate every enabled rule over every resource, in one batch."""
    with _cyclic_gc_paused():
        options = options or ScanOptions()
        engine = engine or default_engine(config)  # policies first (see _scan)
        return cached_scan(list(paths) or ["."], config, options, engine,
                           lambda: _scan(paths, config, options, engine))


def _scan(
    paths: Sequence[str],
    config: Config,
    options: ScanOptions | None,
    engine: PolicyEngine | None,
) -> ScanResult:
    options = options or ScanOptions()
    # Policies first: a broken policy fails before minutes of parsing, not after.
    engine = engine or default_engine(config)
    paths = list(paths) or ["."]
    root = display_root_for(paths)
    file_paths = [p for p in paths if p != STDIN]
    if STDIN in paths and options.stdin_text is None:
        options = dataclasses.replace(options, stdin_text=sys.stdin.read())
    discovery = discover(file_paths, config.exclude, Path(config.base_dir))
    record_discovery(discovery)  # what a warm scan checks (sovlint.rootcache.cached_scan)
    report = options.progress or (lambda message: None)
    report(f"{len(discovery.files)} files found, {len(discovery.excluded)} excluded")
    out = _Collected()
    for missing in discovery.missing:
        out.errors.append(ParseError(missing, 1, "no such file or directory"))
    for directory, reason in discovery.unreadable:
        out.errors.append(ParseError(_display(directory, root), 1,
                                     f"cannot read directory: {reason}"))
    for link in discovery.symlinks:
        out.diagnostics.append(Diagnostic(_display(link, root), "symbolic link not followed"))
    out.diagnostics.extend(refused_settings(config))
    out.diagnostics.extend(repository_rule_changes(config, engine.rules()))
    # Terraform is evaluated in worker processes while this one reads the manifests.
    # File arguments (pre-commit): a changed module is evaluated through its callers.
    changed = [p for p in file_paths if Path(p).suffix in (".tf", ".tofu") or
               p.endswith((".tf.json", ".tofu.json"))]
    callers_of = None
    if changed and all(Path(p).is_file() for p in changed):
        def callers_of(directories: list[Path]) -> list[Path]:
            return with_callers(directories, config.exclude, Path(config.base_dir), root,
                                options.use_cache)
    finish_terraform = _start_terraform(discovery, root, options, callers_of,
                                        config.root_timeout)
    manifests = _read_manifests(discovery, root, options, out)
    catalog.preload()  # needed below; meanwhile the workers may still be busy
    finish_terraform(out)
    if out.terraform_roots:
        report(f"Terraform: {len(out.terraform_roots)} roots evaluated")
    if manifests is not None:
        _scan_manifests(manifests, discovery, root, config, options, out)
    if any(resource.kind == "kubernetes" for resource in out.resources):
        from sovlint.normalise.kubernetes import link_storage_classes

        out.resources = link_storage_classes(attach_configmaps(out.resources))
    for item in discovery.of_kind("other"):
        out.skip(_display(item.path, root), SKIP_FILE_TYPE)
    resources = propagate_scope(apply_scope(
        apply_type_overrides(
            sorted(out.resources, key=lambda r: (r.source.file, r.source.line, r.address)),
            config.control_plane_types, config.data_bearing_types),
        config.scope_tags,
        config.scope_paths,
        root,
        Path(config.base_dir).absolute(),
    ))
    errors = sorted(set(out.errors), key=lambda e: (e.file, e.line, e.message))
    report(f"{len(out.scanned)} files read, {len(resources)} resources; evaluating policies")
    denies = cached_denies(engine, policy_input(resources, errors, config), options.use_cache)
    findings = findings_from_denies(denies, engine.rules(), resources, config)
    if config.unread_modules == "diagnostic":
        findings = _lower_unread_modules(findings, out)
    else:
        findings = fold_into_unread_modules(findings, resources)
    findings, ignore_notes = apply_inline_ignores(
        findings, root, options.today or datetime.date.today(),
        lambda rule_id: rule_ignorable(config, rule_id),
        known_rules=set(engine.rules()) | set(BUILTIN_RULE_IDS),
        files=sorted(name for name in out.scanned if name != "-"))
    out.diagnostics.extend(ignore_notes)
    if options.baseline is not None:
        findings, baseline_notes = apply_baseline(
            findings, read_baseline(Path(options.baseline)), options.baseline)
        out.diagnostics.extend(baseline_notes)
    diagnostics = sorted(set(out.diagnostics), key=lambda d: (d.file, d.line or 0, d.message))
    return ScanResult(
        profile=config.profile,
        files=len(out.scanned),
        resources=tuple(resources),
        findings=tuple(findings),
        errors=tuple(errors),
        diagnostics=tuple(diagnostics),
        fail_on=config.fail_on,
        skipped_files=len(out.skipped - out.scanned),
        skipped_by_reason=_skip_counts(out, root),
        excluded_files=len(discovery.excluded),
        custom_rules=custom_rule_descriptions(engine.rules(), config),
        display_root=str(root),
        scan_root=str(_scan_root(file_paths)),
    )
