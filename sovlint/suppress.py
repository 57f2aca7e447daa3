"""Inline ignores and baselines: the audit trail of what is not reported, and why.

Inline grammar (in a `#`, `//` or `/* */` comment of HCL, or a `#` comment of YAML), on the
line directly above a resource block or document (or a comment block ending there), or inside
it:

    sovlint:ignore ID[,ID...] [until=YYYY-MM-DD] [owner=NAME] -- reason

An ignore suppresses only with a reason, before its end date, and for a rule that is
ignorable; otherwise the finding stays and a diagnostic names the ignore's file and line.
A baseline records findings by a fingerprint that survives line moves (rule, root module,
resource, file).
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime
import difflib
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sovlint.model import Diagnostic, Finding, Suppression

_MARKER = re.compile(r"(?:#|//|/\*)\s*sovlint:ignore\b(?P<body>.*?)(?:\*/\s*)?$")
_IDS = re.compile(r"^\s*(?P<ids>[A-Za-z][A-Za-z0-9_-]*(?:\s*,\s*[A-Za-z][A-Za-z0-9_-]*)*)")
_OPTION = re.compile(r"^(?P<key>[a-z_]+)=(?P<value>\S+)$")
_COMMENT_LINE = re.compile(r"^\s*(?:#|//|/\*|\*)")


@dataclass(frozen=True)
class Ignore:
    """One `sovlint:ignore` comment."""

    file: str
    line: int
    rule_ids: tuple[str, ...]
    reason: str
    owner: str | None = None
    until: datetime.date | None = None
    problem: str | None = None  # malformed: why it cannot suppress anything


def parse_ignore(text: str, file: str, line: int) -> Ignore | None:
    """The ignore written in one line of a file, or None when the line has none."""
    match = _MARKER.search(text)
    if match is None:
        return None
    body = match.group("body")
    options_text, _, reason = body.partition("--")
    ids_match = _IDS.match(options_text)
    if ids_match is None:
        return Ignore(file, line, (), reason.strip(), problem="no rule id after sovlint:ignore")
    rule_ids = tuple(part.strip().upper() for part in ids_match.group("ids").split(","))
    owner: str | None = None
    until: datetime.date | None = None
    problem: str | None = None
    for token in options_text[ids_match.end():].split():
        option = _OPTION.match(token)
        if option is None:
            problem = f"cannot read {token!r} (expected until=YYYY-MM-DD or owner=NAME)"
            continue
        key, value = option.group("key"), option.group("value")
        if key == "owner":
            owner = value
        elif key == "until":
            try:
                until = datetime.date.fromisoformat(value)
            except ValueError:
                problem = f"until={value} is not a date (YYYY-MM-DD)"
        else:
            problem = f"unknown option {key!r} (expected until or owner)"
    return Ignore(file, line, rule_ids, reason.strip(), owner, until, problem)


def parse_ignores(text: str, file: str) -> list[Ignore]:
    """Every ignore comment of a file."""
    found: list[Ignore] = []
    if "sovlint:ignore" not in text:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        if "sovlint:ignore" in line:
            ignore = parse_ignore(line, file, number)
            if ignore is not None:
                found.append(ignore)
    return found


class _Coverage:
    """Which ignores of a file cover a finding: those inside its block, or in the comment block
    directly above it (every line between the ignore and the block a comment). Linear in the
    file to build, a binary search per finding: 10,000 ignores in one file took minutes when
    each finding walked every ignore and the lines between."""

    def __init__(self, lines: Sequence[str]) -> None:
        # first[k]: the first line number n with the same count of non-comment lines among
        # lines 1..n as among lines 1..k, i.e. lines first[k]+1 .. k are all comments.
        self._first = [0] * (len(lines) + 1)
        self._lines: dict[int, list[int]] = {}  # line numbers of each ignore list, by id
        code = 0
        first_of = {0: 0}
        for number, row in enumerate(lines, start=1):
            if not _COMMENT_LINE.match(row):
                code += 1
            first_of.setdefault(code, number)
            self._first[number] = first_of[code]

    def covering(self, ignores: Sequence[Ignore], finding: Finding) -> Sequence[Ignore]:
        """The ignores (sorted by line) that cover the finding, in line order."""
        above = finding.line - 1
        lowest = self._first[min(max(above, 0), len(self._first) - 1)] if above > 0 else 1
        highest = max(finding.end_line, finding.line)
        lines = self._lines.get(id(ignores))
        if lines is None:
            lines = self._lines[id(ignores)] = [ignore.line for ignore in ignores]
        return ignores[bisect.bisect_left(lines, max(lowest, 1)):
                       bisect.bisect_right(lines, highest)]


# Ignores are looked for in files the scan read; a bigger file was refused by its parser.
_MAX_IGNORE_FILE_BYTES = 64 * 1024 * 1024


def _read_lines(root: Path, file: str) -> list[str] | None:
    """The lines of a regular file (never a FIFO or device: opening one would block)."""
    path = root / file
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_IGNORE_FILE_BYTES:
            return None
        return path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None


def _with_unknown_ids(ignores: list[Ignore], known_rules: Collection[str] | None) -> list[Ignore]:
    """Ignores naming a rule id this scan does not have become malformed: a typo such as
    SOV01 would otherwise look like a working suppression and hide nothing."""
    if known_rules is None:
        return ignores
    checked: list[Ignore] = []
    for ignore in ignores:
        unknown = [rule_id for rule_id in ignore.rule_ids if rule_id not in known_rules]
        if unknown and ignore.problem is None:
            close = [m for rule_id in unknown
                     for m in difflib.get_close_matches(rule_id, sorted(known_rules), n=1)]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            ignore = dataclasses.replace(
                ignore, problem=f"unknown rule id {', '.join(unknown)}{hint}")
        checked.append(ignore)
    return checked


def apply_inline_ignores(
    findings: Sequence[Finding],
    root: Path,
    today: datetime.date,
    ignorable: Callable[[str], bool],
    known_rules: Collection[str] | None = None,
    files: Iterable[str] = (),
) -> tuple[list[Finding], list[Diagnostic]]:
    """Findings with their inline suppressions, and diagnostics for ignores that do not work.

    `files` are the other scanned files: their ignores suppress nothing here, but a malformed
    one or one naming an unknown rule id still gets a diagnostic with its file and line.
    """
    diagnostics: list[Diagnostic] = []
    by_file: dict[str, tuple[list[str], list[Ignore]]] = {}
    # Per file, the ignores by rule id: each finding looks only at those naming its rule.
    by_rule: dict[str, dict[str, list[Ignore]]] = {}
    coverage: dict[str, _Coverage] = {}
    with_findings = {f.file for f in findings if f.resource is not None and f.file}
    for file in sorted(with_findings | set(files)):
        lines = _read_lines(root, file)
        if lines is None:
            continue
        ignores = _with_unknown_ids(parse_ignores("\n".join(lines), file), known_rules)
        if ignores:
            by_file[file] = (lines, ignores)
            rules = by_rule[file] = {}
            coverage[file] = _Coverage(lines)
            for ignore in sorted(ignores, key=lambda ignore: ignore.line):
                for rule_id in ignore.rule_ids:
                    rules.setdefault(rule_id, []).append(ignore)
    result: list[Finding] = []
    refused: dict[tuple[str, int], str] = {}
    for finding in findings:
        entry = by_file.get(finding.file)
        if entry is None or finding.resource is None:
            result.append(finding)
            continue
        suppression = None
        candidates = by_rule[finding.file].get(finding.rule_id, [])
        for ignore in coverage[finding.file].covering(candidates, finding):
            why_not = _why_not(ignore, finding.rule_id, today, ignorable)
            if why_not is not None:
                refused[(ignore.file, ignore.line)] = why_not
                continue
            suppression = Suppression(
                reason=ignore.reason,
                owner=ignore.owner,
                until=ignore.until.isoformat() if ignore.until else None,
                file=ignore.file,
                line=ignore.line,
                kind="inline",
            )
            break
        result.append(dataclasses.replace(finding, suppression=suppression)
                      if suppression else finding)
    for (file, line), why in sorted(refused.items()):
        diagnostics.append(Diagnostic(file, f"sovlint:ignore at {file}:{line} does not "
                                      f"suppress: {why}", line))
    for file, (_, ignores) in sorted(by_file.items()):
        for ignore in ignores:
            if ignore.problem and (file, ignore.line) not in refused:
                diagnostics.append(Diagnostic(file, f"sovlint:ignore at {file}:{ignore.line} "
                                              f"is malformed: {ignore.problem}", ignore.line))
    return result, diagnostics


def _why_not(
    ignore: Ignore, rule_id: str, today: datetime.date, ignorable: Callable[[str], bool]
) -> str | None:
    if ignore.problem:
        return ignore.problem
    if not ignore.reason:
        return "a reason is required (`-- why this is acceptable`)"
    if ignore.until is not None and ignore.until < today:
        return f"expired on {ignore.until.isoformat()}"
    if not ignorable(rule_id):
        return f"{rule_id} is not ignorable in this configuration"
    return None


# --- baselines ---------------------------------------------------------------------------


BASELINE_VERSION = 2


def fingerprint(finding: Finding) -> str:
    """Stable across line moves: rule, root module, resource address (or the message for a
    file error), file. The root is left out when it is the scan root itself or unknown, so
    that a scan of one root keeps the fingerprints it had before roots were recorded."""
    subject = finding.resource if finding.resource is not None else finding.message
    if finding.root in (None, "."):
        return _digest(f"{finding.rule_id}|{subject}|{finding.file}")
    return _digest(f"{finding.rule_id}|{finding.root}|{subject}|{finding.file}")


def legacy_fingerprint(finding: Finding) -> str:
    """The fingerprint of baseline version 1: rule, resource, file (no root)."""
    subject = finding.resource if finding.resource is not None else finding.message
    return _digest(f"{finding.rule_id}|{subject}|{finding.file}")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def write_baseline(findings: Iterable[Finding], path: Path) -> int:
    """Record today's unsuppressed findings; written atomically. Returns how many."""
    entries = sorted(
        {
            fingerprint(f): {"fingerprint": fingerprint(f), "rule_id": f.rule_id,
                             "root": f.root, "resource": f.resource, "file": f.file}
            for f in findings
            if not f.suppressed
        }.values(),
        key=lambda e: (str(e["file"]), str(e["rule_id"]), str(e["root"]), str(e["resource"])),
    )
    document = {"version": BASELINE_VERSION, "tool": "sovlint", "findings": entries}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
    return len(entries)


@dataclass(frozen=True)
class Baseline:
    """The fingerprints a baseline file records, and the format version they follow."""

    version: int
    fingerprints: frozenset[str]


class BaselineError(Exception):
    pass


def read_baseline(path: Path) -> Baseline:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise BaselineError(f"baseline {path} is not JSON: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise BaselineError(f"baseline {path} has no `findings` list")
    version = document.get("version", 1)
    if version not in (1, BASELINE_VERSION) or isinstance(version, bool):
        raise BaselineError(f"baseline {path} has version {version!r}; this release reads "
                            f"versions 1 and {BASELINE_VERSION}")
    return Baseline(int(version), frozenset(
        str(e["fingerprint"]) for e in document["findings"]
        if isinstance(e, dict) and "fingerprint" in e))


def apply_baseline(findings: Sequence[Finding], baseline: Baseline,
                   source: str) -> tuple[list[Finding], list[Diagnostic]]:
    """Findings already in the baseline are suppressed (kind `baseline`), not dropped.

    A version 1 baseline does not record root modules: one of its entries covers a finding
    only when no other root has a finding with the same rule, resource and file. When several
    roots do, the entry cannot say which one it meant, and none is covered (the gate fails
    rather than let a new violation through); a note says to record the baseline again."""
    covered: set[int] = set()
    notes: list[Diagnostic] = []
    if baseline.version >= 2:
        covered = {i for i, f in enumerate(findings)
                   if not f.suppressed and fingerprint(f) in baseline.fingerprints}
    else:
        by_legacy: dict[str, list[int]] = {}
        for i, finding in enumerate(findings):
            if not finding.suppressed:
                by_legacy.setdefault(legacy_fingerprint(finding), []).append(i)
        for key, positions in sorted(by_legacy.items()):
            if key not in baseline.fingerprints:
                continue
            if len({findings[i].root for i in positions}) == 1:
                covered.update(positions)
                continue
            first = findings[positions[0]]
            roots = ", ".join(sorted(str(findings[i].root) for i in positions))
            notes.append(Diagnostic(first.file, f"baseline {source} (version 1, without root "
                                    f"modules) records {first.rule_id} on {first.resource}, "
                                    f"which several roots now have ({roots}): none is "
                                    "covered; record the baseline again with "
                                    "--write-baseline", first.line))
    result: list[Finding] = []
    for i, finding in enumerate(findings):
        if i not in covered:
            result.append(finding)
            continue
        result.append(dataclasses.replace(finding, suppression=Suppression(
            reason=f"recorded in baseline {source}", kind="baseline")))
    return result, notes
