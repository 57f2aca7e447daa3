"""Line breaks that Terraform ignores but python-hcl2 and tree-sitter-hcl reject.

Inside parentheses, brackets and for-expressions HCL ignores newlines, so Terraform accepts a
newline before `.attr` (`(var.a\n  .b)`) and before the `=>` of a for-expression. Both our
parsers refuse those two forms and would lose the whole file. `join_ignored_newlines` moves such
a newline to the next place where a newline is a separator anyway (the end of the attribute or
object item), so the text parses and every line after that place keeps its number.
"""

from __future__ import annotations

import re

_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\n")
_FOR = re.compile(r"\{\s*for\b")


def _skip_string(text: str, i: int) -> int:
    """Index after the quoted template starting at text[i] == '"' (interpolations included).

    Iterative: a string inside an interpolation inside a string... is one more entry on the
    stack, so hostile nesting cannot exhaust Python's recursion limit."""
    stack = [0]  # interpolation depth of each open string, innermost last
    i += 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if stack[-1] == 0 and c == '"':
            stack.pop()
            i += 1
            if not stack:
                return i
            continue
        if text.startswith("${", i) or text.startswith("%{", i):
            stack[-1] += 1
            i += 2
            continue
        if stack[-1] and c == "}":
            stack[-1] -= 1
        elif stack[-1] and c == '"':
            stack.append(0)
        i += 1
    return i


def _skip_heredoc(text: str, i: int, marker: str) -> int:
    end = re.compile(r"^[ \t]*" + re.escape(marker) + r"[ \t]*$", re.M)
    match = end.search(text, i)
    return match.end() if match else len(text)


def join_ignored_newlines(text: str) -> str | None:
    """The text with the two rejected line-break forms joined, or None when it has neither."""
    out: list[str] = []
    stack: list[str] = []  # "(" "[" "for" ignore newlines; "{" (block, object) does not
    pending = 0  # newlines taken out, to put back at the next separating newline
    changed = False
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = _skip_string(text, i)
            out.append(text[i:j])
            i = j
            continue
        if c == "#" or text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(text[i:j])
            i = j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(text[i:j])
            i = j
            continue
        if text.startswith("<<", i):
            match = _HEREDOC.match(text, i)
            if match:
                j = _skip_heredoc(text, match.end(), match.group(1))
                out.append(text[i:j])
                i = j
                continue
        if c in "([":
            stack.append(c)
        elif c == "{":
            stack.append("for" if _FOR.match(text, i) else "{")
        elif c in ")]}":
            if stack:
                stack.pop()
        elif c == "\n":
            ignoring = bool(stack) and stack[-1] != "{"
            if ignoring:
                j = i
                while j < n and text[j] in " \t\r\n":
                    j += 1
                rest = text[j:j + 3]
                if (rest.startswith(".") and not rest.startswith("...")) or rest.startswith("=>"):
                    out.append(" ")
                    pending += text.count("\n", i, j)
                    changed = True
                    i = j
                    continue
            elif pending:
                out.append("\n" * pending)
                pending = 0
        out.append(c)
        i += 1
    if pending:
        out.append("\n" * pending)
    return "".join(out) if changed else None
