"""Reports: one module per output format, each with ``render(result, *, color=False) -> str``.

Adding a format is one module plus one entry in ``_MODULES``; modules are imported on first use
so a scan that writes JSON never loads the SARIF writer.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from sovlint.model import Diagnostic, ScanResult

# Output format -> module whose `render(result, *, color)` writes it.
_MODULES: dict[str, str] = {
    "text": "sovlint.report.text",
    "json": "sovlint.report.json",
    "sarif": "sovlint.report.sarif",
    "junit": "sovlint.report.junit",
    "github": "sovlint.report.github",
    "gitlab": "sovlint.report.gitlab",
    "markdown": "sovlint.report.summary",
    "html": "sovlint.report.html",
}

FORMATS: tuple[str, ...] = tuple(_MODULES)


def render(result: ScanResult, fmt: str, *, color: bool = False) -> str:
    """The report of ``result`` in format ``fmt``; ``color`` is honoured by formats for people."""
    try:
        module_name = _MODULES[fmt]
    except KeyError:
        expected = ", ".join(FORMATS)
        raise ValueError(f"unknown format {fmt!r} (expected one of: {expected})") from None
    module = importlib.import_module(module_name)
    output: str = module.render(result, color=color)
    return output


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in report order: by file, then line (whole-file notes first), then text."""
    return sorted(
        diagnostics,
        key=lambda note: (note.file, note.line if note.line is not None else 0, note.message),
    )
