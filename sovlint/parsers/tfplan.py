"""Terraform plan JSON (`terraform show -json PLAN`) as resource instances.

A plan is the most exact input: Terraform has already evaluated variables, locals, modules,
`count` and `for_each`, so the attribute values of `planned_values` are taken as they are.
What the plan leaves open is made explicit:

- attributes known only after apply (`resource_changes[].change.after_unknown`) become
  `Unknown` values naming the attribute, with the resources the configuration refers to;
- provider configurations are not evaluated in a plan: `configuration.provider_config` holds
  their expressions, a constant or a list of references. A reference to a variable is read
  from the plan's variable values (root module) or from the module call's argument. The
  configuration format does not say how a reference is used, so `region = var.region` and
  `region = "${var.region}"` read the same (in practice region arguments are plain
  references); anything else is `Unknown`.

Findings point at the HCL file and line when the scan can map an address to its block
(`hcl_lines`), else at the plan file, on the line where `planned_values` names the resource.
When the scan can also give the parsed HCL file (`hcl_files`), the resource keeps its HCL
block, so that a flow points at the line of the attribute that creates it.
Bad input never raises: invalid JSON is a `ParseError`, unexpected shapes are diagnostics.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sovlint.model import LIMIT_EXCEEDED, Diagnostic, ParseError
from sovlint.terraform.loader import Backend, ProviderConfig, ResourceInstance
from sovlint.terraform.syntax import NOT_RESOURCES, Block, Body, ConfigFile
from sovlint.terraform.values import Unknown

# Maps a resource address to (file, line, end_line) of its block, when the scan knows it.
HclLines = Callable[[str], tuple[str, int, int] | None]
# Gives the parsed configuration file of a mapped file (as reported), when the scan has it.
HclFiles = Callable[[str], ConfigFile | None]

MAX_MODULE_DEPTH = 64
SUPPORTED_MAJOR = "1"



@dataclass
class PlanResult:
    resources: list[ResourceInstance] = field(default_factory=list)
    backend: Backend | None = None
    errors: list[ParseError] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


# --------------------------------------------------------------------------- detection

# The last text decoded, so that detection followed by loading decodes a large plan once.
_last_decoded: list[tuple[str, Any, json.JSONDecodeError | None]] = []


def _decode(text: str) -> tuple[Any, json.JSONDecodeError | None]:
    if _last_decoded and _last_decoded[0][0] is text:
        return _last_decoded[0][1], _last_decoded[0][2]
    data: Any = None
    error: json.JSONDecodeError | None = None
    try:
        data = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        error = exc
    except (RecursionError, ValueError) as exc:
        error = json.JSONDecodeError(
            f"{LIMIT_EXCEEDED}: nested too deeply" if isinstance(exc, RecursionError)
            else str(exc), text, 0)
    _last_decoded[:] = [(text, data, error)]
    return data, error


def _forget() -> None:
    _last_decoded.clear()


def is_plan_json(text: str) -> bool:
    """A JSON object with `format_version` and `planned_values` or `resource_changes`.

    A text that only looks like one (the keys are there but the JSON is broken, e.g. a
    truncated file) counts as a plan, so that its error is reported as a plan's.
    """
    if not text.lstrip("\ufeff \t\r\n").startswith("{"):
        return False
    if '"format_version"' not in text or (
        '"planned_values"' not in text and '"resource_changes"' not in text
    ):
        return False
    data, error = _decode(text)
    if error is not None:
        return True
    found = isinstance(data, dict) and "format_version" in data and (
        "planned_values" in data or "resource_changes" in data
    )
    if not found:
        _forget()
    return found


# --------------------------------------------------------------------------- addresses

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")

def _address_steps(address: str) -> list[tuple[str, str]] | None:
    """`module.db["a"].aws_s3_bucket.x[0]` -> [("module", ""), ("db", '["a"]'), ...];
    None when the text is not an address."""
    steps: list[tuple[str, str]] = []
    position = 0
    length = len(address)
    while position < length:
        match = _NAME.match(address, position)
        if match is None:
            return None
        name = match.group(0)
        position = match.end()
        key = ""
        if position < length and address[position] == "[":
            end = _key_end(address, position)
            if end is None:
                return None
            key = address[position:end]
            position = end
        steps.append((name, key))
        if position < length:
            if address[position] != ".":
                return None
            position += 1
    return steps


def _key_end(address: str, start: int) -> int | None:
    """The position after the `]` closing the index that starts at `start`."""
    position = start + 1
    if position < len(address) and address[position] == '"':
        position += 1
        while position < len(address):
            char = address[position]
            if char == "\\":
                position += 2
                continue
            if char == '"':
                break
            position += 1
        position += 1
    close = address.find("]", position)
    return None if close < 0 else close + 1


def _module_names(module_address: str) -> tuple[str, ...] | None:
    """`module.db["a"].module.x` -> ("db", "x")."""
    if not module_address:
        return ()
    steps = _address_steps(module_address)
    if steps is None or len(steps) % 2:
        return None
    names: list[str] = []
    for index in range(0, len(steps), 2):
        if steps[index] != ("module", "") or not steps[index + 1][0]:
            return None
        names.append(steps[index + 1][0])
    return tuple(names)


def _split_module(address: str) -> tuple[str, str]:
    """(module instance address, local address) of a resource instance address."""
    steps = _address_steps(address)
    if steps is None:
        return "", address
    cut = 0
    while cut + 1 < len(steps) and steps[cut] == ("module", ""):
        cut += 2
    module = ".".join(f"{name}{key}" for name, key in steps[:cut])
    return module, ".".join(f"{name}{key}" for name, key in steps[cut:])


def _prefixed(module: str, address: str) -> str:
    return f"{module}.{address}" if module else address


def _resource_of_reference(reference: str, managed_only: bool) -> str | None:
    """`aws_s3_bucket.dr.arn` -> `aws_s3_bucket.dr`; data sources unless managed_only."""
    steps = _address_steps(reference)
    if steps is None or len(steps) < 2:
        return None
    if steps[0][0] == "data":
        if managed_only or len(steps) < 3:
            return None
        return f"data.{steps[1][0]}.{steps[2][0]}"
    if steps[0][0] in NOT_RESOURCES or steps[0][1]:
        return None
    return f"{steps[0][0]}.{steps[1][0]}"


# --------------------------------------------------------------------------- plan lines

_ADDRESS_KEY = re.compile(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _address_lines(text: str) -> dict[str, int]:
    """Line of the first `"address": "..."` of each address, from `planned_values` on."""
    start = text.find('"planned_values"')
    lines: dict[str, int] = {}
    line = 1 + text.count("\n", 0, max(start, 0))
    position = max(start, 0)
    for match in _ADDRESS_KEY.finditer(text, position):
        line += text.count("\n", position, match.start())
        position = match.start()
        try:
            address = json.loads(f'"{match.group(1)}"')
        except ValueError:
            continue
        if isinstance(address, str):
            lines.setdefault(address, line)
    return lines


# --------------------------------------------------------------------------- configuration

@dataclass
class _ModuleConfig:
    resources: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    call: dict[str, Any] = field(default_factory=dict)  # the module block in the parent


class _Plan:
    def __init__(self, data: dict[str, Any], display: str, text: str,
                 hcl_lines: HclLines | None, hcl_files: HclFiles | None = None) -> None:
        self.data = data
        self.display = display
        self.text = text
        self.hcl_lines = hcl_lines
        self.hcl_files = hcl_files
        self.result = PlanResult()
        self.modules: dict[tuple[str, ...], _ModuleConfig] = {}
        self.provider_entries: dict[str, dict[str, Any]] = {}
        self.providers: dict[str, ProviderConfig] = {}
        self.unknowns: dict[str, Any] = {}
        self._lines: dict[str, int] | None = None
        self._variables_resolving: set[tuple[tuple[str, ...], str]] = set()

    def note(self, message: str) -> None:
        self.result.diagnostics.append(Diagnostic(self.display, message))

    # ---- reading

    def read(self) -> PlanResult:
        self._check_header()
        self._read_configuration()
        self._read_unknowns()
        planned = self.data.get("planned_values")
        if isinstance(planned, dict) and isinstance(planned.get("root_module"), dict):
            for module_address, resource in self._planned_resources(planned["root_module"]):
                self._add(module_address, resource, resource.get("values"))
        elif "planned_values" in self.data:
            self.note("plan JSON: planned_values has no root_module; no resource read")
        else:
            self._from_changes()
        return self.result

    def _check_header(self) -> None:
        version = self.data.get("format_version")
        if not isinstance(version, str) or version.split(".", 1)[0] != SUPPORTED_MAJOR:
            self.note(f"plan JSON format_version {version!r} is not 1.x; read as 1.x")
        if self.data.get("errored") is True:
            self.note("the plan errored: Terraform stopped planning, resources may be missing")
        if self.data.get("complete") is False:
            self.note("the plan is incomplete (targeting or deferred changes): resources not "
                      "planned are not in it")

    def _read_configuration(self) -> None:
        configuration = self.data.get("configuration")
        if configuration is None:
            self.note("plan JSON has no configuration: provider regions are not known")
            return
        if not isinstance(configuration, dict):
            self.note("plan JSON: configuration is not an object; ignored")
            return
        entries = configuration.get("provider_config")
        if isinstance(entries, dict):
            self.provider_entries = {key: value for key, value in entries.items()
                                     if isinstance(value, dict)}
        root = configuration.get("root_module")
        stack: list[tuple[tuple[str, ...], Any, dict[str, Any]]] = [((), root, {})]
        while stack:
            names, module, call = stack.pop()
            if not isinstance(module, dict):
                continue
            config = _ModuleConfig(call=call)
            self.modules[names] = config
            variables = module.get("variables")
            if isinstance(variables, dict):
                config.variables = {name: value for name, value in variables.items()
                                    if isinstance(value, dict)}
            for resource in _dicts(module.get("resources")):
                mode, rtype, name = (resource.get("mode"), resource.get("type"),
                                     resource.get("name"))
                if isinstance(mode, str) and isinstance(rtype, str) and isinstance(name, str):
                    config.resources[(mode, rtype, name)] = resource
            calls = module.get("module_calls")
            if isinstance(calls, dict) and len(names) < MAX_MODULE_DEPTH:
                for call_name, child_call in calls.items():
                    if isinstance(child_call, dict):
                        stack.append(((*names, call_name), child_call.get("module"), child_call))

    def _read_unknowns(self) -> None:
        for change in _dicts(self.data.get("resource_changes")):
            address = change.get("address")
            body = change.get("change")
            if isinstance(address, str) and isinstance(body, dict):
                unknown = body.get("after_unknown")
                if isinstance(unknown, dict):
                    self.unknowns[address] = unknown

    def _planned_resources(self, root: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        stack: list[tuple[dict[str, Any], int]] = [(root, 0)]
        while stack:
            module, depth = stack.pop(0)
            module_address = module.get("address", "")
            if not isinstance(module_address, str):
                self.note("plan JSON: a child module has no address; skipped")
                continue
            resources = module.get("resources", [])
            if not isinstance(resources, list):
                self.note(f"plan JSON: resources of {module_address or 'the root module'} "
                          "is not a list; skipped")
                resources = []
            for resource in resources:
                if isinstance(resource, dict):
                    yield module_address, resource
                else:
                    self.note("plan JSON: a resource entry is not an object; skipped")
            children = module.get("child_modules", [])
            if not isinstance(children, list):
                self.note(f"plan JSON: child_modules of {module_address or 'the root module'} "
                          "is not a list; skipped")
                continue
            if children and depth >= MAX_MODULE_DEPTH:
                self.note(f"plan JSON: modules nested deeper than {MAX_MODULE_DEPTH}; "
                          "the deeper ones are skipped")
                continue
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict))

    def _from_changes(self) -> None:
        """No planned_values: the `after` of each change that leaves an object."""
        for change in _dicts(self.data.get("resource_changes")):
            body = change.get("change")
            address = change.get("address")
            if not isinstance(body, dict) or not isinstance(address, str):
                continue
            actions = body.get("actions")
            if isinstance(actions, list) and actions == ["delete"]:
                continue
            module_address = change.get("module_address", "")
            if not isinstance(module_address, str):
                module_address = ""
            self._add(module_address, change, body.get("after"))

    # ---- one resource

    def _add(self, module_address: str, resource: dict[str, Any], values: Any) -> None:
        address = resource.get("address")
        mode = resource.get("mode", "managed")
        rtype = resource.get("type")
        name = resource.get("name")
        if not (isinstance(address, str) and isinstance(mode, str) and isinstance(rtype, str)
                and isinstance(name, str)):
            self.note("plan JSON: a resource without address, mode, type or name; skipped")
            return
        if values is None:
            values = {}
        if not isinstance(values, dict):
            self.note(f"plan JSON: values of {address} is not an object; read as empty")
            values = {}
        names = _module_names(module_address)
        if names is None:
            self.note(f"plan JSON: module address {module_address!r} not understood")
            names = ()
        module = self.modules.get(names)
        config = module.resources.get((mode, rtype, name)) if module else None
        expressions = config.get("expressions", {}) if config else None
        if config is not None and not isinstance(expressions, dict):
            expressions = {}
        attributes = _with_unknowns(values, self.unknowns.get(address), address, expressions,
                                    module_address)
        provider, provider_ref = self._provider_of(config, resource, names, module_address)
        file, line, end_line = self._source(address)
        references: dict[str, list[str]] = {}
        for attribute, expression in (expressions or {}).items():
            found = [_prefixed(module_address, ref) for ref in
                     _expression_resources(expression, managed_only=True)]
            if found:
                references[attribute] = list(dict.fromkeys(found))
        self.result.resources.append(ResourceInstance(
            address=address,
            mode=mode,
            type=rtype,
            name=name,
            module_path=module_address,
            file=file,
            line=line,
            end_line=end_line,
            block=self._block(mode, rtype, name, file, line, end_line),
            attributes=attributes,
            provider=provider,
            provider_ref=provider_ref,
            references=references,
        ))

    def _block(self, mode: str, rtype: str, name: str, file: str, line: int,
               end_line: int) -> Block:
        """The HCL block that declares the resource, when its file is known and parsed;
        else an empty block at the resource's line."""
        block_type = "data" if mode == "data" else "resource"
        if file != self.display and self.hcl_files is not None:
            parsed = self.hcl_files(file)
            for block in parsed.blocks if parsed is not None else ():
                if (block.type, block.labels, block.line) == (block_type, (rtype, name), line):
                    return block
        return Block(block_type, (rtype, name), Body(), line, end_line)

    def _source(self, address: str) -> tuple[str, int, int]:
        if self.hcl_lines is not None:
            mapped = self.hcl_lines(address)
            if mapped is not None:
                return mapped
        if self._lines is None:
            self._lines = _address_lines(self.text)
        line = self._lines.get(address, 1)
        return self.display, line, line

    # ---- providers

    def _provider_of(self, config: dict[str, Any] | None, resource: dict[str, Any],
                     names: tuple[str, ...],
                     module_address: str) -> tuple[ProviderConfig | None, str]:
        key = config.get("provider_config_key") if config else None
        if not isinstance(key, str) or not key:
            provider_name = resource.get("provider_name")
            local = provider_name.rsplit("/", 1)[-1] if isinstance(provider_name, str) else ""
            return None, local or str(resource.get("type", "")).split("_", 1)[0]
        found = self._provider_key(key, names)
        ref = key.rsplit(":", 1)[-1]
        if found is None:
            return None, ref
        return self._provider_config(found), ref

    def _provider_key(self, key: str, names: tuple[str, ...]) -> str | None:
        """The provider_config entry a resource's key names; older Terraform versions wrote
        `module.x:aws` for a configuration inherited from a parent module."""
        if key in self.provider_entries:
            return key
        local = key.rsplit(":", 1)[-1]
        for depth in range(len(names), -1, -1):
            prefix = ".".join(f"module.{name}" for name in names[:depth])
            candidate = f"{prefix}:{local}" if prefix else local
            if candidate in self.provider_entries:
                return candidate
        return None

    def _provider_config(self, key: str) -> ProviderConfig:
        if key in self.providers:
            return self.providers[key]
        entry = self.provider_entries[key]
        local = key.rsplit(":", 1)[-1]
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            name = local.split(".", 1)[0]
        alias = entry.get("alias")
        if not isinstance(alias, str) or not alias:
            alias = local.split(".", 1)[1] if "." in local else None
        module_address = entry.get("module_address")
        if not isinstance(module_address, str):
            module_address = key.rsplit(":", 1)[0] if ":" in key else ""
        names = _module_names(module_address) or ()
        expressions = entry.get("expressions")
        attributes: dict[str, Any] = {}
        if isinstance(expressions, dict):
            where = f"provider {module_address + ':' if module_address else ''}{local}"
            for attribute, expression in expressions.items():
                attributes[attribute] = self._value(expression, names, module_address,
                                                    f"{where} {attribute}")
        provider = ProviderConfig(name, alias, attributes, self.display, 1)
        self.providers[key] = provider
        return provider

    def _value(self, expression: Any, names: tuple[str, ...], module_address: str,
               what: str) -> Any:
        """A configuration expression's value: a constant, a variable, nested blocks."""
        if isinstance(expression, list):
            return [self._value(item, names, module_address, what) for item in expression]
        if not isinstance(expression, dict):
            return Unknown(f"{what}: unexpected expression in the plan")
        if "constant_value" in expression:
            return expression["constant_value"]
        references = expression.get("references")
        if isinstance(references, list):
            return self._from_references(references, names, module_address, what)
        if expression and all(isinstance(item, (dict, list)) for item in expression.values()):
            return {key: self._value(item, names, module_address, f"{what}.{key}")
                    for key, item in expression.items()}
        return Unknown(f"{what} is not a constant in the plan")

    def _from_references(self, references: list[Any], names: tuple[str, ...],
                         module_address: str, what: str) -> Any:
        texts = [ref for ref in references if isinstance(ref, str)]
        variables = {_variable_of(ref) for ref in texts}
        if len(variables) == 1 and None not in variables:
            variable = next(iter(variables))
            assert variable is not None
            return self._variable(names, variable)
        refs = frozenset(_prefixed(module_address, ref) for ref in
                         _expression_resources({"references": texts}, managed_only=False))
        shown = ", ".join(dict.fromkeys(_most_specific(texts))) or "values"
        return Unknown(f"{what} depends on {shown}, not evaluated in the plan", refs)

    def _variable(self, names: tuple[str, ...], variable: str) -> Any:
        where = ".".join(f"module.{name}" for name in names)
        label = f"{where + '.' if where else ''}var.{variable}"
        if (names, variable) in self._variables_resolving:
            return Unknown(f"{label} refers to itself in the plan")
        self._variables_resolving.add((names, variable))
        try:
            return self._variable_value(names, variable, label)
        finally:
            self._variables_resolving.discard((names, variable))

    def _variable_value(self, names: tuple[str, ...], variable: str, label: str) -> Any:
        module = self.modules.get(names)
        declared = module.variables.get(variable) if module else None
        if not names:
            values = self.data.get("variables")
            entry = values.get(variable) if isinstance(values, dict) else None
            if isinstance(entry, dict) and "value" in entry:
                return entry["value"]
        elif module is not None:
            arguments = module.call.get("expressions")
            if isinstance(arguments, dict) and variable in arguments:
                parent = names[:-1]
                parent_address = ".".join(f"module.{name}" for name in parent)
                return self._value(arguments[variable], parent, parent_address,
                                   f"module.{names[-1]} argument {variable}")
        if isinstance(declared, dict) and "default" in declared:
            return declared["default"]
        return Unknown(f"{label} has no value in the plan")


def _variable_of(reference: str) -> str | None:
    steps = _address_steps(reference)
    if steps is None or len(steps) < 2 or steps[0] != ("var", ""):
        return None
    return steps[1][0]


def _most_specific(references: list[str]) -> list[str]:
    """References without their shorter forms (Terraform lists `a.b.c`, then `a.b`)."""
    return [ref for ref in references
            if not any(other.startswith((ref + ".", ref + "[")) for other in references)]


def _expression_resources(expression: Any, managed_only: bool) -> list[str]:
    """Resources (`type.name`) every reference inside an expression (or nested blocks) names."""
    found: list[str] = []
    stack: list[Any] = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            references = node.get("references")
            if isinstance(references, list):
                for reference in references:
                    if isinstance(reference, str):
                        resource = _resource_of_reference(reference, managed_only)
                        if resource is not None and resource not in found:
                            found.append(resource)
            stack.extend(reversed([value for key, value in node.items()
                                   if key not in ("references", "constant_value")]))
    return found


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


# --------------------------------------------------------------------------- unknown values

def _with_unknowns(values: dict[str, Any], unknown: dict[str, Any] | None, address: str,
                   expressions: dict[str, Any] | None, module_address: str) -> dict[str, Any]:
    """The planned values with `Unknown` where `after_unknown` marks a value.

    Only values the configuration writes become `Unknown`: an attribute the provider computes
    (an ARN, an ID, the AWS provider 5 `region` of a bucket) is left out, as in an evaluation
    of the HCL, so that it does not hide the provider's region. Without configuration, every
    marked value is `Unknown`.
    """
    if not unknown:
        return values
    merged = _merge(values, unknown, _Where(address, module_address, expressions is None), "",
                    expressions)
    return merged if isinstance(merged, dict) else values


@dataclass(frozen=True)
class _Where:
    address: str
    module_address: str
    every_value: bool  # no configuration: every value marked unknown is an Unknown


def _merge(value: Any, unknown: Any, where: _Where, path: str, expression: Any) -> Any:
    if expression is None and not where.every_value:
        return value
    if unknown is True:
        refs = frozenset(_prefixed(where.module_address, ref)
                         for ref in _expression_resources(expression, managed_only=False))
        return Unknown(f"{where.address}.{path} is known only after apply", refs)
    if isinstance(unknown, dict) and (value is None or isinstance(value, dict)):
        result = dict(value or {})
        for key, inner in unknown.items():
            if _marks_unknown(inner):
                sub = expression.get(key) if isinstance(expression, dict) else None
                merged = _merge(result.get(key), inner, where,
                                f"{path}.{key}" if path else str(key), sub)
                if merged is not None or key in result:
                    result[key] = merged
        return result
    if isinstance(unknown, list) and (value is None or isinstance(value, list)):
        items = list(value or [])
        for index, inner in enumerate(unknown):
            if not _marks_unknown(inner):
                continue
            sub = (expression[index] if isinstance(expression, list)
                   and index < len(expression) else None)
            merged = _merge(items[index] if index < len(items) else None, inner, where,
                            f"{path}[{index}]", sub)
            if index < len(items):
                items[index] = merged
            elif merged is not None:
                items.extend([None] * (index - len(items)))
                items.append(merged)
        return items
    return value


def _marks_unknown(unknown: Any) -> bool:
    stack = [unknown]
    while stack:
        node = stack.pop()
        if node is True:
            return True
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


# --------------------------------------------------------------------------- entry point

def load_plan(text: str, display: str, hcl_lines: HclLines | None = None,
              hcl_files: HclFiles | None = None) -> PlanResult:
    """Resource instances of a plan; never raises on bad input."""
    data, error = _decode(text)
    _forget()
    if error is not None:
        line = error.lineno if error.pos else 1
        column = error.colno if error.pos else None
        return PlanResult(errors=[ParseError(display, line, f"invalid JSON: {error.msg}",
                                             column)])
    if not isinstance(data, dict):
        return PlanResult(diagnostics=[Diagnostic(
            display, "not a Terraform plan: the JSON is not an object; skipped")])
    try:
        return _Plan(data, display, text, hcl_lines, hcl_files).read()
    except RecursionError:
        return PlanResult(errors=[ParseError(display, 1, (
            f"{LIMIT_EXCEEDED}: plan JSON nested too deeply to be read"))])
