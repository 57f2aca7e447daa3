"""Where the files shipped with sovlint are: built-in policies and rule docs.

In an installed wheel they are `sovlint/_policies` and `sovlint/_ruledocs`; in a source
checkout they are `policies/` and `docs/rules/` at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def builtin_policies_dir() -> Path:
    return _first_existing(_PACKAGE_DIR / "_policies", _PACKAGE_DIR.parent / "policies")


def rule_docs_dir() -> Path:
    return _first_existing(_PACKAGE_DIR / "_ruledocs", _PACKAGE_DIR.parent / "docs" / "rules")
