"""`sovlint scan` options for users of Checkov, Trivy and tflint: `--rule`/`--skip-rule`,
`--severity`, `--exclude`, the report format inferred from the `--output` extension, and the
colour decision (NO_COLOR, FORCE_COLOR). Each is a pure function over the configuration or the
scan result; `cli.py` calls them. Errors are `UsageError` (exit 2)."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace

from sovlint.config import PROFILES, Config, RuleSetting
from sovlint.model import ScanResult, severity_rank

# Output extension -> format, for `--output FILE` without a `--format` in its position.
FORMAT_BY_EXTENSION: dict[str, str] = {
    ".sarif": "sarif", ".json": "json", ".xml": "junit", ".md": "markdown", ".txt": "text",
    ".html": "html", ".htm": "html",
}


class UsageError(Exception):
    """A command-line option that cannot be honoured (exit 2)."""


def rule_ids(values: Sequence[str]) -> list[str]:
    """Ids from repeatable options that also take comma lists: `--rule SOV001,SOV003`."""
    return [part.strip().upper() for value in values for part in value.split(",")
            if part.strip()]


def select_rules(config: Config, only: Sequence[str], skip: Sequence[str],
                 custom: Sequence[str] = ()) -> Config:
    """The configuration with `--rule` (only these rules run) and `--skip-rule` (these do not).
    ``custom`` are the ids of the custom rules the run's policies declare (Rego and Python
    metadata). An id that is neither built in nor custom is an error naming the known ids and
    the closest ones; a rule left out is turned off in the configuration (`rules: {ID: off}`).
    A rule named by `--rule` runs even when the configuration turns it off: the command line
    decides."""
    known = sorted(set().union(*PROFILES.values()) | set(custom))
    wanted, skipped = rule_ids(only), rule_ids(skip)
    for option, ids in (("--rule", wanted), ("--skip-rule", skipped)):
        for rule_id in ids:
            if rule_id not in known:
                closest = difflib.get_close_matches(rule_id, known, n=3, cutoff=0.5)
                hint = f"; closest: {', '.join(closest)}" if closest else ""
                raise UsageError(f"{option} {rule_id}: unknown rule (known: "
                                 f"{', '.join(known)}{hint})")
    if not wanted and not skipped:
        return config
    rules = dict(config.rules)
    off = set(skipped) | ({rule_id for rule_id in known if rule_id not in wanted}
                          if wanted else set())
    for rule_id in off:
        rules[rule_id] = replace(rules.get(rule_id, RuleSetting()), enabled=False)
    for rule_id in set(wanted) - set(skipped):
        if rule_id in rules and not rules[rule_id].enabled:
            rules[rule_id] = replace(rules[rule_id], enabled=True)
    return replace(config, rules=rules)


def with_excludes(config: Config, globs: Sequence[str]) -> Config:
    """`--exclude GLOB` (repeatable): added to the configuration's `exclude`, matched the same
    way (gitignore-style, relative to the configuration's directory)."""
    cleaned = [glob.strip() for glob in globs]
    if any(not glob for glob in cleaned):
        raise UsageError("--exclude: the pattern is empty")
    return replace(config, exclude=(*config.exclude, *cleaned)) if cleaned else config


def at_least(result: ScanResult, severity: str | None) -> ScanResult:
    """`--severity LEVEL`: only findings of that severity or higher are reported, and so only
    they can fail the gate (`--fail-on` still sets the failing threshold among them)."""
    if severity is None:
        return result
    threshold = severity_rank(severity)
    return replace(result, findings=tuple(f for f in result.findings
                                          if severity_rank(f.severity) >= threshold))


def formats_for(formats: Sequence[str], outputs: Sequence[str],
                known: Sequence[str]) -> list[str]:
    """The format of each report: `--format` in order; an `--output` past the last `--format`
    takes the format its extension names (`.sarif`, `.json`, `.xml` = junit, `.md` =
    markdown, `.txt` = text) and an unknown extension is an error, never a text report under
    a misleading name."""
    chosen = list(formats)
    for fmt in chosen:
        if fmt not in known:
            raise UsageError(f"unknown format {fmt!r} (expected one of: {', '.join(known)})")
    for output in outputs[len(chosen):]:
        if output == "-":
            chosen.append("text")
            continue
        extension = os.path.splitext(output)[1].lower()
        if extension not in FORMAT_BY_EXTENSION:
            raise UsageError(f"--output {output}: no --format given and the extension does "
                             f"not name one (known: {', '.join(sorted(FORMAT_BY_EXTENSION))})")
        chosen.append(FORMAT_BY_EXTENSION[extension])
    return chosen or ["text"]


def color_wanted(stream: object, environ: Mapping[str, str] | None = None) -> bool:
    """Colour for a terminal; NO_COLOR (any value) turns it off, FORCE_COLOR (non-empty, not
    `0`) turns it on where the stream is not a terminal (CI logs)."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    if "NO_COLOR" in env:
        return False
    if env.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())

