"""Checks of custom Rego policies at load time, so that mistakes surface before the scan.

regorus reports an unknown function or a type error only when the rule that holds it is
evaluated, and a rule whose body loops over `input.resources` is never evaluated on an input
without resources. So the calls of every custom policy are resolved here from the engine's
syntax tree: calls of functions the policies define, calls of builtins the engine knows, and
nothing else. Builtins that reach the network or the process are refused: sovlint runs offline
and never evaluates a policy that could send the scanned data elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sovlint.engine import PolicyError
from sovlint.engine.metadata import RuleMetadata

# Builtins a policy may not call: they send requests or read the process environment.
NETWORK_BUILTINS = frozenset({"http.send", "net.lookup_ip_addr", "opa.runtime"})

RULES_PACKAGE = "sovlint.rules"
RESERVED_PACKAGES = ("sovlint.lib",)


@dataclass(frozen=True)
class Call:
    name: str  # as written: `count`, `lib.reportable`, `data.acme.lib.f`
    line: int
    col: int


@dataclass
class Module:
    """What the checks need of one parsed policy file."""

    file: str
    package: str
    imports: dict[str, str] = field(default_factory=dict)  # alias -> data path (no `data.`)
    rules: list[tuple[str, bool, int]] = field(default_factory=list)  # (name, function, line)
    calls: list[Call] = field(default_factory=list)
    deny_rule_ids: list[tuple[str, int]] = field(default_factory=list)  # literal rule_id, line


def _ref_name(node: Any) -> str | None:
    """`a.b.c` for a Var / RefDot chain; None for anything else (`x[y]`, a call result)."""
    if not isinstance(node, dict) or len(node) != 1:
        return None
    kind, body = next(iter(node.items()))
    if kind == "Var":
        return str(body["value"])
    if kind == "RefDot":
        head = _ref_name(body["refr"])
        return None if head is None else f"{head}.{body['field'][1]}"
    return None


def _head_name(node: Any) -> str | None:
    """The name a rule head defines: `deny`, `lib.f`, `q` for `q[x]`."""
    if not isinstance(node, dict) or len(node) != 1:
        return None
    kind, body = next(iter(node.items()))
    if kind == "RefBrack":
        return _head_name(body["refr"])
    return _ref_name(node)


def _start_span(node: Any) -> dict[str, Any]:
    """The span of the first name of a `a.b.c` reference (where the call is written)."""
    while isinstance(node, dict) and len(node) == 1:
        kind, body = next(iter(node.items()))
        if kind != "RefDot":
            return dict(body.get("span", {})) if isinstance(body, dict) else {}
        node = body["refr"]
    return {}


def _walk_calls(node: Any) -> Iterator[Call]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Call" and isinstance(value, dict):
                fcn = value.get("fcn")
                name = _ref_name(fcn)
                span = _start_span(fcn)
                if name is not None:
                    yield Call(name, int(span.get("line", 0)), int(span.get("col", 0)))
            yield from _walk_calls(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_calls(item)


def _literal_rule_ids(key: Any) -> Iterator[tuple[str, int]]:
    """The `"rule_id": "X"` literals of a `deny contains {...}` head."""
    obj = key.get("Object") if isinstance(key, dict) else None
    if not isinstance(obj, dict):
        return
    for _, name, value in obj.get("fields", []):
        if name.get("String", {}).get("value") == "rule_id" and "String" in value:
            yield str(value["String"]["value"]), int(value["String"]["span"]["line"])


def read_modules(ast_json: str) -> list[Module]:
    """The modules of an engine's syntax tree (`Engine.get_ast_as_json()`)."""
    modules: list[Module] = []
    for entry in json.loads(ast_json):
        contents: str = entry["source"]["contents"]
        tree = entry["ast"]
        package = _ref_name(tree["package"]["refr"]) or ""
        module = Module(file=entry["source"]["file"], package=package)
        for item in tree.get("imports", []):
            path = _ref_name(item["refr"])
            if path is None or not path.startswith("data."):
                continue
            alias = item.get("as")
            name = contents[alias["start"]:alias["end"]] if alias else path.rsplit(".", 1)[1]
            module.imports[name] = path[len("data."):]
        for rule in tree.get("rules", []):
            spec = rule.get("Spec")
            if spec is None:
                continue
            kind, head = next(iter(spec["head"].items()))
            head_name = _head_name(head.get("refr"))
            if head_name is None:
                continue
            name = head_name
            module.rules.append((name, kind == "Func", int(head["span"]["line"])))
            if name == "deny" and kind == "Set":
                module.deny_rule_ids.extend(_literal_rule_ids(head.get("key")))
        module.calls = list(_walk_calls(tree.get("rules", [])))
        modules.append(module)
    return modules


class _BuiltinProbe:
    """Whether the engine knows a builtin: a call of an unknown one fails with "could not find
    function", a known one with an argument error."""

    def __init__(self) -> None:
        from sovlint.engine.rego import import_regorus

        self._engine = import_regorus().Engine()
        self._known: dict[str, bool] = {}

    def known(self, name: str) -> bool:
        if name not in self._known:
            package = f"probe{len(self._known)}"
            try:
                self._engine.add_policy(f"{package}.rego",
                                        f"package {package}\nimport rego.v1\nx if {name}()\n")
                self._engine.eval_query_as_json(f"data.{package}.x")
                self._known[name] = True
            except RuntimeError as exc:
                self._known[name] = "could not find function" not in str(exc)
        return self._known[name]


def check_modules(modules: Sequence[Module], custom_files: set[str],
                  metadata: Mapping[str, RuleMetadata], builtin_packages: set[str]) -> None:
    """Raise `PolicyError` for the first problem of a custom module (file:line:col).

    ``metadata`` maps each custom rule package to the rule its annotation declares.
    """
    functions = {f"{m.package}.{name}" for m in modules for name, is_function, _ in m.rules
                 if is_function}
    probe: _BuiltinProbe | None = None
    for module in modules:
        if module.file not in custom_files:
            continue
        if module.package in builtin_packages or module.package in RESERVED_PACKAGES:
            raise PolicyError(f"{module.file}:1: package {module.package} belongs to sovlint's "
                              "built-in policies; give your policy a package of its own, e.g. "
                              f"{RULES_PACKAGE}.acme_<name>")
        _check_rule_package(module, metadata)
        for call in module.calls:
            where = f"{module.file}:{call.line}:{call.col}"
            if call.name in NETWORK_BUILTINS:
                raise PolicyError(f"{where}: {call.name} is not allowed: sovlint evaluates "
                                  "policies offline, without network access or the process "
                                  "environment")
            if f"{module.package}.{call.name}" in functions:
                continue  # a function of the same package
            target = _user_function(call.name, module)
            if target is not None:
                if target not in functions:
                    raise PolicyError(f"{where}: unknown function {call.name} (no policy "
                                      f"defines data.{target})")
                continue
            probe = probe or _BuiltinProbe()
            if not probe.known(call.name):
                raise PolicyError(f"{where}: unknown function {call.name} (neither a builtin "
                                  "of the embedded engine nor a function of the policies; "
                                  "see docs/policies.md, Engine limits)")


def _user_function(name: str, module: Module) -> str | None:
    """The data path a call resolves to when it calls a policy function; None for builtins."""
    first, _, rest = name.partition(".")
    if first == "data":
        return rest
    if first in module.imports:
        return f"{module.imports[first]}.{rest}" if rest else module.imports[first]
    return None


def _check_rule_package(module: Module, metadata: Mapping[str, RuleMetadata]) -> None:
    """A custom module that defines `deny` is a rule: under sovlint.rules, with metadata, and
    emitting the id its metadata declares."""
    deny_lines = [line for name, _, line in module.rules if name == "deny"]
    if not deny_lines:
        return
    if not module.package.startswith(f"{RULES_PACKAGE}."):
        raise PolicyError(f"{module.file}:{deny_lines[0]}: deny rules are evaluated only "
                          f"under package {RULES_PACKAGE}.<name>, not {module.package}")
    declared = metadata.get(module.package)
    if declared is None:
        raise PolicyError(
            f"{module.file}:1: package {module.package} defines deny but no rule metadata: "
            "add a `# METADATA` comment block above the package with title and "
            "custom: {id, severity} (see docs/policies.md)")
    for rule_id, line in module.deny_rule_ids:
        if rule_id != declared.id:
            raise PolicyError(f"{module.file}:{line}: deny emits rule_id {rule_id!r} but the "
                              f"package's METADATA declares {declared.id!r}")
