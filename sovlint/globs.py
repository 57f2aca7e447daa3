"""Gitignore-style path globs (`**` allowed), for `exclude` and `scope.paths`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
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
    return re.compile(f"^{prefix}{body}{suffix}$")


def matches(path: str, patterns: Iterable[str]) -> bool:
    """Whether a relative, forward-slash path matches one of the patterns."""
    path = path.lstrip("./") if path.startswith("./") else path
    return any(_compile(pattern).match(path) for pattern in patterns if pattern.strip())
