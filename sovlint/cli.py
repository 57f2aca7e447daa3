"""Command line: `sovlint scan`, `sovlint rules`, `sovlint explain`, `sovlint test`.

Parses options, calls scan(), writes reports, sets the exit code: 0 no finding at or above
`fail_on`, 1 findings at or above it, 2 usage or configuration error.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from sovlint import __version__

if TYPE_CHECKING:
    from sovlint.engine import Deny, PolicyEngine
    from sovlint.engine.metadata import RuleMetadata

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
SEVERITY_CHOICES = click.Choice(["low", "medium", "high", "critical"])


def _color_wanted(stream: object) -> bool:
    from sovlint.cli_options import color_wanted

    return color_wanted(stream)


def _fail(message: str) -> None:
    click.echo(f"sovlint: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _policy_failure(exc: Exception) -> None:
    """Exit 2 on a policy that cannot be loaded; an embedded engine that cannot be imported is
    said alone, with its way out (--opa-url), not as a policy error."""
    from sovlint.engine.rego import EngineUnavailable

    _fail(str(exc) if isinstance(exc, EngineUnavailable) else f"policy error: {exc}")


def _with_workspace(workspace: str | None) -> dict[str, str] | None:
    """The environment the Terraform is evaluated in, with `--workspace` as TF_WORKSPACE."""
    if workspace is None:
        return None
    if not workspace.strip():
        _fail("--workspace: the workspace name is empty")
    return dict(os.environ, TF_WORKSPACE=workspace.strip())


def _parse_vars(pairs: tuple[str, ...]) -> dict[str, str]:
    variables: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            _fail(f"--var {pair!r}: expected NAME=VALUE")
        name, value = pair.split("=", 1)
        variables[name.strip()] = value
    return variables


def _write(text: str, output: str | None, *, color: bool = False) -> None:
    """The report to stdout or to a file. ``color``: the report was painted on purpose
    (FORCE_COLOR in a pipe), so click must not strip the colours it would strip for a pipe."""
    if output is None or output == "-":
        click.echo(text, nl=False, color=True if color else None)
        return
    target = Path(output)
    try:
        if target.parent and not target.parent.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() and not target.is_file():
            # A device, FIFO or process substitution (`-o /dev/null`, `-o >(jq .)`): written
            # in place; renaming over it would replace the device itself with a file.
            with target.open("w", encoding="utf-8") as stream:
                stream.write(text)
            return
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(target)  # readers never see a half-written report
    except OSError as exc:
        _fail(f"cannot write {output}: {exc}")


_NO_TIMESTAMP = ("html: state no time, so the same input gives the same bytes "
                 "(SOURCE_DATE_EPOCH, if set, is the time stated otherwise)")


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """`sovlint --version`: the tool's version and the date its catalogue was reviewed."""
    if not value or ctx.resilient_parsing:
        return
    from sovlint.catalog import catalogue_identity

    click.echo(f"sovlint {__version__}, catalogue {catalogue_identity().date}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_show_version,
              help="Show the version and the date of the region and provider catalogue, "
                   "and exit.")
def main() -> None:
    """Data-sovereignty linter for Terraform and Kubernetes."""


def _check_var_files(var_files: tuple[str, ...]) -> None:
    for var_file in var_files:  # a FIFO or a device would hang the scan or fill the memory
        if not stat.S_ISREG(os.stat(var_file).st_mode):
            _fail(f"--var-file {var_file}: not a regular file (a FIFO, socket or device): "
                  "not read")


@main.command()
@click.argument("paths", nargs=-1)
@click.option("-f", "--format", "formats", multiple=True, default=(),
              help="text, json, sarif, junit, github, gitlab, markdown, html (repeatable; pairs "
                   "with "
                   "--output in order)")
@click.option("-o", "--output", "outputs", multiple=True, default=(),
              help="file for the report of the same position (default: stdout); without a "
                   "--format, the extension names it: .sarif, .json, .xml (junit), .md, .txt")
@click.option("--rule", "only_rules", multiple=True,
              help="run only these rules (repeatable, or a comma list: SOV001,SOV003); "
                   "built-in ids and those of the custom policies loaded for the run")
@click.option("--skip-rule", "skip_rules", multiple=True,
              help="do not run these rules (repeatable, or a comma list)")
@click.option("--severity", "min_severity", type=SEVERITY_CHOICES,
              help="report only findings of this severity or higher (--fail-on still decides "
                   "which of them fail)")
@click.option("--exclude", "excludes", multiple=True,
              help="glob of files or directories not to scan (repeatable; added to the "
                   "configuration's exclude)")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              help="configuration file (default: .sovlint.yaml found upwards)")
@click.option("--profile", type=click.Choice(["residency", "sovereign"]))
@click.option("--fail-on", type=SEVERITY_CHOICES, help="lowest severity that fails (exit 1)")
@click.option("--var-file", "var_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="Terraform variable file (repeatable)")
@click.option("--var", "variables", multiple=True, help="Terraform variable NAME=VALUE")
@click.option("--workspace", help="Terraform workspace for terraform.workspace (default: "
                                  "TF_WORKSPACE, else the selected one, else `default`)")
@click.option("--policy-dir", "policy_dirs", multiple=True,
              help="extra policies (repeatable): a Rego directory or file, a Python policy "
                   "file (.py) or python:MODULE")
@click.option("--opa-url", help="evaluate the Rego rules on this OPA server instead of the "
                                "embedded engine (sends the normalised input there)")
@click.option("--root-timeout", type=float, default=None,
              help="seconds one Terraform root module's evaluation may take (default 60); a "
                   "root past it is an error and the other roots are still scanned")
@click.option("--dump-input", is_flag=True,
              help="print the normalised input document policies see (JSON) instead of "
                   "findings")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="parallel parser processes (default: number of CPUs)")
@click.option("--baseline", type=click.Path(dir_okay=False),
              help="suppress findings recorded in this baseline; report only new ones")
@click.option("--write-baseline", type=click.Path(dir_okay=False),
              help="record today's findings in this file")
@click.option("--sarif-omit-suppressed", is_flag=True,
              help="leave suppressed findings out of SARIF reports (GitHub code scanning "
                   "alerts on them despite their `suppressions`)")
@click.option("--soft-fail", is_flag=True, help="report findings but always exit 0")
@click.option("--quiet", "-q", is_flag=True,
              help="print nothing when the scan passes (and no progress)")
@click.option("--no-progress", is_flag=True,
              help="no progress on stderr (shown only when stderr is a terminal)")
@click.option("--no-color", is_flag=True, help="no ANSI colours (NO_COLOR is honoured too)")
@click.option("--no-cache", is_flag=True, help="do not read or write the parse cache")
@click.option("--no-timestamp", is_flag=True, help=_NO_TIMESTAMP)
@click.option("--trust-repo-config", is_flag=True,
              help="let a configuration found in the scanned tree load Python policies, "
                   "policies outside the tree, an OPA URL and raise fail_on (see SECURITY.md)")
def scan(
    paths: tuple[str, ...],
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    only_rules: tuple[str, ...],
    skip_rules: tuple[str, ...],
    min_severity: str | None,
    excludes: tuple[str, ...],
    config_path: str | None,
    profile: str | None,
    fail_on: str | None,
    var_files: tuple[str, ...],
    variables: tuple[str, ...],
    workspace: str | None,
    policy_dirs: tuple[str, ...],
    opa_url: str | None,
    root_timeout: float | None,
    dump_input: bool,
    jobs: int | None,
    baseline: str | None,
    write_baseline: str | None,
    sarif_omit_suppressed: bool,
    soft_fail: bool,
    quiet: bool,
    no_progress: bool,
    no_color: bool,
    no_cache: bool,
    no_timestamp: bool,
    trust_repo_config: bool,
) -> None:
    """Scan Terraform and Kubernetes files (default: the current directory; - for stdin)."""
    import gc

    # The process ends after the report: the cyclic collector would only walk the scan's
    # objects again and again (see scan._cyclic_gc_paused), the report included.
    gc.disable()
    from sovlint import cli_options
    from sovlint.config import ConfigError, load_config, with_overrides
    from sovlint.engine import PolicyError
    from sovlint.report import FORMATS, render
    from sovlint.scan import ScanOptions
    from sovlint.scan import scan as run_scan
    from sovlint.suppress import BaselineError
    from sovlint.suppress import write_baseline as record_baseline

    try:
        formats = tuple(cli_options.formats_for(formats, outputs, FORMATS))
    except cli_options.UsageError as exc:
        _fail(str(exc))
    paths = paths or (".",)
    _check_paths_exist(paths)
    _check_var_files(var_files)
    start = next((Path(p) for p in paths if p != "-"), Path("."))
    from sovlint.cache import use_data_cache

    use_data_cache(not no_cache)  # before the configuration, which is read through it too
    try:
        config = load_config(Path(config_path) if config_path else None, start=start.absolute(),
                             trust_repo=trust_repo_config)
        config = with_overrides(config, profile=profile, fail_on=fail_on,
                                policy_dirs=policy_dirs, opa_url=opa_url,
                                root_timeout=root_timeout)
        engine = _engine_for_rule_options(config, only_rules, skip_rules,
                                          local=dump_input)
        config = cli_options.select_rules(config, only_rules, skip_rules,
                                          custom=list(engine.rules()) if engine else ())
        config = cli_options.with_excludes(config, excludes)
    except (ConfigError, cli_options.UsageError) as exc:
        _fail(str(exc))
    options = ScanOptions(
        variables=_parse_vars(variables),
        var_files=var_files,
        jobs=jobs or (os.cpu_count() or 1),
        baseline=baseline,
        progress=_progress if sys.stderr.isatty() and not (quiet or no_progress) else None,
        use_cache=not no_cache,
        environ=_with_workspace(workspace),
    )
    if dump_input:
        _dump_input(list(paths), config, options, outputs[0] if outputs else None)
        return
    try:
        result = run_scan(list(paths), config, options, engine=engine)
    except PolicyError as exc:
        _policy_failure(exc)
    except BaselineError as exc:
        _fail(str(exc))
    result = cli_options.at_least(_with_disabled_rules(result, config), min_severity)
    if write_baseline:
        count = record_baseline(result.findings, Path(write_baseline))
        click.echo(f"sovlint: {count} findings recorded in {write_baseline}", err=True)
    for position, fmt in enumerate(formats):
        output = outputs[position] if position < len(outputs) else None
        if quiet and result.passed and fmt == "text" and output is None:
            continue
        color = (fmt == "text" and output is None and not no_color
                 and _color_wanted(sys.stdout))
        if fmt == "html":
            from sovlint.report.html import render_evidence

            _write(render_evidence(result, config, paths, no_timestamp=no_timestamp,
                                   var_files=var_files, baseline=baseline), output)
            continue
        _write(render(_reported(result, fmt, sarif_omit_suppressed=sarif_omit_suppressed),
                      fmt, color=color), output, color=color)
    if "github" in formats:
        _append_step_summary(result)
    sys.exit(EXIT_OK if result.passed or soft_fail else EXIT_FINDINGS)


def _engine_for_rule_options(config: Any, only_rules: tuple[str, ...],
                             skip_rules: tuple[str, ...], *,
                             local: bool = False) -> PolicyEngine | None:
    """With `--rule`/`--skip-rule`, the run's policy engine, loaded now so that the ids its
    custom policies declare are known to the options (the scan then uses the same engine);
    None without those options. ``local`` (`--dump-input`, which evaluates nothing): the
    rules are read here, no OPA server is contacted. A policy that cannot be loaded exits 2."""
    if not only_rules and not skip_rules:
        return None
    from dataclasses import replace

    from sovlint.engine import PolicyError
    from sovlint.scan import default_engine

    if local:
        config = replace(config, opa_url=None)

    try:
        return default_engine(config)
    except PolicyError as exc:
        _policy_failure(exc)
    return None  # not reached: _policy_failure exits


def _with_disabled_rules(result: Any, config: Any) -> Any:
    """The scan with the profile's rules the configuration turned off, for the reports."""
    from dataclasses import replace

    from sovlint.config import PROFILES

    disabled = tuple(sorted(rule_id for rule_id in PROFILES.get(config.profile, ())
                            if rule_id in config.rules and not config.rules[rule_id].enabled))
    return replace(result, disabled_rules=disabled) if disabled else result


def _append_step_summary(result: Any) -> None:
    """With `--format github` in GitHub Actions, the Markdown summary is appended to the job
    summary file the runner names in GITHUB_STEP_SUMMARY (annotations stop at 10 a kind)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from sovlint.report import render

    try:
        with open(target, "a", encoding="utf-8") as summary:
            summary.write(render(result, "markdown"))
    except OSError as exc:
        click.echo(f"sovlint: cannot write the job summary {target}: {exc}", err=True)


def _reported(result: Any, fmt: str, *, sarif_omit_suppressed: bool) -> Any:
    """The scan as the report of format ``fmt`` shows it."""
    if fmt == "sarif" and sarif_omit_suppressed:
        from sovlint.report.sarif import without_suppressed

        return without_suppressed(result)
    return result


class _InputRecorder:
    """An engine that evaluates nothing and keeps the input document it was given."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {}

    def rules(self) -> dict[str, RuleMetadata]:
        return {}

    def evaluate(self, input_document: dict[str, Any]) -> list[Deny]:
        self.document = input_document
        return []


def _check_paths_exist(paths: tuple[str, ...]) -> None:
    """A path that does not exist is a mistake on the command line (exit 2), not a parse
    error of a file: say which one."""
    missing = [p for p in paths if p != "-" and not os.path.lexists(p)]
    if missing:
        _fail(f"no such file or directory: {', '.join(missing)} (check the path given to "
              "`sovlint scan`)")


def _dump_input(paths: list[str], config: Any, options: Any, output: str | None) -> None:
    """`scan --dump-input`: the normalised input, as policies would see it (same bytes for the
    same files)."""
    from sovlint.jsontext import pretty
    from sovlint.scan import scan as run_scan

    recorder = _InputRecorder()
    run_scan(paths, config, options, engine=recorder)
    _write(pretty(recorder.document, sort_keys=True),
           output)


def _progress(message: str) -> None:
    """Progress of a long scan, on stderr only (the CLI calls it only for a terminal)."""
    click.echo(f"sovlint: {message}", err=True)


def _rule_table() -> list[tuple[str, str, str, str]]:
    from sovlint.config import PROFILES
    from sovlint.engine.metadata import read_metadata
    from sovlint.engine.rego import policy_files
    from sovlint.resources import builtin_policies_dir

    rows = []
    for path in policy_files([builtin_policies_dir()]):
        metadata = read_metadata(path)
        if metadata is None:
            continue
        profiles = ",".join(name for name, ids in sorted(PROFILES.items()) if metadata.id in ids)
        rows.append((metadata.id, metadata.name, metadata.severity, profiles))
    return sorted(rows)


def _custom_rules(config_path: str | None, policy_dirs: tuple[str, ...]) -> dict[str, Any]:
    """Metadata of the configuration's custom rules (Rego and Python), by id; exit 2 when a
    policy cannot be loaded. Never contacts an OPA server: the rules are read locally."""
    from sovlint.config import ConfigError, load_config, with_overrides
    from sovlint.engine import PolicyError
    from sovlint.engine.metadata import BUILTIN_ID_RE
    from sovlint.engine.python import PythonEngine, is_python_policy
    from sovlint.engine.rego import RegoEngine
    from sovlint.resources import builtin_policies_dir

    try:
        config = load_config(Path(config_path) if config_path else None,
                             start=Path.cwd().absolute())
        config = with_overrides(config, policy_dirs=policy_dirs)
    except ConfigError as exc:
        _fail(str(exc))
    found: dict[str, Any] = {}
    rego = [Path(p) for p in config.policies if not is_python_policy(p)]
    python = [p for p in config.policies if is_python_policy(p)]
    try:
        if rego:
            found.update(RegoEngine([builtin_policies_dir(), *rego]).rules())
        if python:
            found.update(PythonEngine(python, Path(config.base_dir)).rules())
    except PolicyError as exc:
        _policy_failure(exc)
    return {rule_id: (metadata, config) for rule_id, metadata in found.items()
            if not BUILTIN_ID_RE.match(rule_id)}


_CONFIG_OPTION = click.option("--config", "config_path",
                              type=click.Path(exists=True, dir_okay=False),
                              help="configuration whose custom `policies:` are listed too")
_POLICY_DIR_OPTION = click.option("--policy-dir", "policy_dirs", multiple=True,
                                  type=click.Path(),
                                  help="extra Rego directory or Python policy module")


@main.command()
@_CONFIG_OPTION
@_POLICY_DIR_OPTION
def rules(config_path: str | None, policy_dirs: tuple[str, ...]) -> None:
    """List the built-in rules and the custom rules of the configuration."""
    from sovlint.config import rule_enabled, rule_severity
    from sovlint.model import SEVERITIES, Severity

    rows = _rule_table()
    for rule_id, (metadata, config) in sorted(_custom_rules(config_path, policy_dirs).items()):
        default = cast("Severity", metadata.severity if metadata.severity in SEVERITIES
                       else "medium")
        severity: str = rule_severity(config, rule_id, default)
        rows.append((rule_id, metadata.name, severity,
                     "custom" if rule_enabled(config, rule_id) else "custom (off)"))
    click.echo(f"{'ID':<10}{'NAME':<34}{'SEVERITY':<10}PROFILES")
    for rule_id, name, severity, profiles in rows:
        click.echo(f"{rule_id:<10}{name:<34}{severity:<10}{profiles}")


@main.command()
@click.argument("rule_id")
@_CONFIG_OPTION
@_POLICY_DIR_OPTION
def explain(rule_id: str, config_path: str | None, policy_dirs: tuple[str, ...]) -> None:
    """Print the documentation of a rule (e.g. SOV003, or a custom rule of the configuration)."""
    from sovlint.resources import rule_docs_dir

    doc = rule_docs_dir() / f"{rule_id.upper()}.md"
    if doc.is_file():
        click.echo(doc.read_text(encoding="utf-8"), nl=False)
        return
    custom = _custom_rules(config_path, policy_dirs)
    if rule_id in custom:
        metadata = custom[rule_id][0]
        lines = [f"# {rule_id} {metadata.name}", "", metadata.title, "",
                 f"Severity: {metadata.severity}"]
        if metadata.description:
            lines += ["", "## What it does", "", metadata.description]
        if metadata.remediation:
            lines += ["", "## How to fix", "", metadata.remediation]
        if metadata.references:
            lines += ["", "## References", "", *(f"- {ref}" for ref in metadata.references)]
        click.echo("\n".join(lines))
        return
    known = ", ".join([row[0] for row in _rule_table()] + sorted(custom))
    _fail(f"unknown rule {rule_id!r} (known: {known})")


@main.command(name="test")
@click.argument("directories", nargs=-1, type=click.Path(exists=True))
@click.option("-v", "--verbose", is_flag=True, help="list every test, not only failures")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              help="configuration whose Rego `policies:` are tested when no DIR is given")
def test_command(directories: tuple[str, ...], verbose: bool, config_path: str | None) -> None:
    """Run Rego policy unit tests (`test_*` rules): the built-in policies, plus DIR... or, when
    none is given, the Rego directories of the configuration's `policies:`."""
    from sovlint.config import ConfigError, load_config
    from sovlint.engine import PolicyError
    from sovlint.engine.python import is_python_policy
    from sovlint.engine.regotest import run_tests
    from sovlint.resources import builtin_policies_dir

    custom = [Path(d) for d in directories]
    if not custom:
        try:
            config = load_config(Path(config_path) if config_path else None)
        except ConfigError as exc:
            _fail(str(exc))
        custom = [Path(p) for p in config.policies if not is_python_policy(p)]
    dirs = list(dict.fromkeys(p.resolve() for p in [builtin_policies_dir(), *custom]))
    try:
        results = run_tests(dirs)
    except PolicyError as exc:
        _policy_failure(exc)
    failed = [r for r in results if not r.passed]
    for result in results:
        if verbose or not result.passed:
            status = "PASS" if result.passed else "FAIL"
            detail = f" [{result.file}] {result.error}" if not result.passed else ""
            click.echo(f"{status}: {result.package}.{result.name}{detail}")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(EXIT_FINDINGS if failed or not results else EXIT_OK)


class _NoPolicies:
    """The inventory evaluates no rule."""

    def rules(self) -> dict[str, RuleMetadata]:
        return {}

    def evaluate(self, input_document: dict[str, Any]) -> list[Deny]:
        return []


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", default="text",
              type=click.Choice(["text", "json", "csv", "markdown", "mermaid", "dot", "html"]),
              help="table (text, csv, markdown, json), diagram (mermaid, dot) or an HTML page")
@click.option("--output", help="file for the inventory (default: stdout)")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--var-file", "var_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False))
@click.option("--var", "variables", multiple=True, help="Terraform variable NAME=VALUE")
@click.option("--no-timestamp", is_flag=True, help=_NO_TIMESTAMP)
def inventory(paths: tuple[str, ...], fmt: str, output: str | None, config_path: str | None,
              var_files: tuple[str, ...], variables: tuple[str, ...],
              no_timestamp: bool) -> None:
    """Where every resource lives and where its data flows (stores and flows)."""
    from sovlint.config import ConfigError, load_config
    from sovlint.inventory import RENDERERS, allowed_countries
    from sovlint.scan import ScanOptions
    from sovlint.scan import scan as run_scan

    paths = paths or (".",)
    _check_var_files(var_files)
    start = next((Path(p) for p in paths if p != "-"), Path("."))
    try:
        config = load_config(Path(config_path) if config_path else None, start=start.absolute())
    except ConfigError as exc:
        _fail(str(exc))
    options = ScanOptions(variables=_parse_vars(variables), var_files=var_files,
                          jobs=os.cpu_count() or 1)
    result = run_scan(list(paths), config, options, engine=_NoPolicies())
    if fmt == "html":
        from sovlint.report.html import render_evidence

        _write(render_evidence(result, config, paths, mode="inventory",
                               no_timestamp=no_timestamp, var_files=var_files), output)
        return
    _write(RENDERERS[fmt](result.resources, allowed_countries(config.allow_countries)), output)


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
def init(directory: str) -> None:
    """Write a commented starter .sovlint.yaml in DIRECTORY (never over an existing file)."""
    from sovlint.configschema import STARTER

    target = Path(directory) / ".sovlint.yaml"
    if target.exists():
        _fail(f"{target} exists; not overwritten (edit it, or remove it first)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as created:
            created.write(STARTER)
    except OSError as exc:
        _fail(f"cannot write {target}: {exc}")
    click.echo(f"sovlint: wrote {target}; check it with `sovlint config`", err=True)


@main.command(name="config")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              help="configuration file (default: .sovlint.yaml found upwards)")
@click.option("--schema", is_flag=True, help="print the JSON Schema of the configuration file")
def config_command(config_path: str | None, schema: bool) -> None:
    """Print the effective configuration and where each value comes from."""
    if schema:
        from sovlint.configschema import schema as config_schema
        from sovlint.jsontext import pretty

        click.echo(pretty(config_schema()), nl=False)
        return
    from sovlint.config import ConfigError, load_config
    from sovlint.configshow import effective

    try:
        config = load_config(Path(config_path) if config_path else None,
                             start=Path.cwd().absolute())
    except ConfigError as exc:
        _fail(str(exc))
    click.echo(effective(config), nl=False)


from sovlint.cli_opa import opa_group  # noqa: E402 - after main; the module imports only click

main.add_command(opa_group)
