"""Gitignore-style path globs (`**` allowed), for `exclude` and `scope.paths`.

The patterns come from a configuration in the scanned repository, so matching must stay
linear whatever they are: a list of patterns is compiled once into one RE2 expression (no
backtracking on `**/**/**/...`, no per-pattern cache to overflow with 600 globs), and every path
is matched against it in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any


def _source(pattern: str) -> str:
    """The regular expression of one glob, anchored at both ends."""
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.strip().lstrip("/")
    directory_only = pattern.endswith("/")
    pattern = pattern.rstrip("/")
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            parts.append("[^/]")
            i += 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    body = "".join(parts)
    prefix = "" if anchored else "(?:.*/)?"
    # A pattern matches the path itself or anything below it (a directory).
    suffix = "/.*" if directory_only else "(?:/.*)?"
    return f"^{prefix}{body}{suffix}$"


@lru_cache(maxsize=64)
def _compile_set(patterns: tuple[str, ...]) -> Any:
    """One RE2 expression matching a path when any of the patterns does; None for none."""
    import re2  # google-re2

    sources = [_source(pattern) for pattern in patterns if pattern.strip()]
    if not sources:
        return None
    options = re2.Options()
    options.log_errors = False
    options.dot_nl = True  # `*` and `**` match any character but `/`, as in gitignore
    return re2.compile("|".join(f"(?:{source})" for source in sources), options)


def matches(path: str, patterns: Iterable[str]) -> bool:
    """Whether a relative, forward-slash path matches one of the patterns."""
    path = path.lstrip("./") if path.startswith("./") else path
    compiled = _compile_set(tuple(patterns))
    return compiled is not None and compiled.search(path) is not None
