"""Loads a Terraform root module and evaluates it statically.

A root module is a directory. Its variables take Terraform's precedence (defaults, TF_VAR_*,
terraform.tfvars, *.auto.tfvars, --var-file, --var); locals, provider configurations (default
and aliased), local module calls (with `providers = {...}`), `count` and `for_each` are
evaluated as Terraform would, as far as values are known before apply. The result is a list of
resource instances with evaluated attributes and the provider configuration each one uses.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sovlint import catalog
from sovlint.model import LIMIT_EXCEEDED as MODEL_LIMIT_EXCEEDED
from sovlint.model import Diagnostic, ParseError
from sovlint.terraform.evaluator import MISSING, Scope, evaluate
from sovlint.terraform.syntax import (
    Attribute,
    Block,
    Body,
    Call,
    ConfigFile,
    Expr,
    Index,
    Literal,
    ObjectExpr,
    Template,
    TupleExpr,
    calls_in_body,
    reference_text,
    resource_references,
    variable_references,
)
from sovlint.terraform.values import LazyObject, Unknown, contains_unknown

MAX_MODULE_DEPTH = 16
# Evaluation budget: a block expands to at most this many instances (`count = 100000000` would
# otherwise take the scan's memory). Beyond it the block is one unexpanded record and the file
# gets a SOV000 error, so the gate does not pass what was not evaluated.
MAX_INSTANCES = 10_000
LIMIT_EXCEEDED = MODEL_LIMIT_EXCEEDED
INVALID_COUNT = "invalid count"

# Parses one configuration file; the scan passes a cached, parallel-friendly implementation.
FileParser = Callable[[Path], tuple[ConfigFile | None, ParseError | None]]


# Why a module call's outputs are unknown when its source was not read. Every value computed
# from those outputs carries the reason, so `unread_module_in` finds the call again in it.
_NOT_LOCAL = "source {source!r} is not available locally (run `terraform init` to read it)"
_OUTSIDE_TREE = ("source {source!r} resolves to a directory outside the scanned tree: not read "
                 "(scan from the repository root that holds it)")
_UNREAD_CALL = re.compile(
    r"(module\.[^\s:()]+): source '(?:[^'\\]|\\.)*' (?:is not available locally|resolves to "
    r"a directory outside the scanned tree)")


def unread_module_in(reason: str) -> str | None:
    """The address of the unread module call whose outputs made `reason`'s value unknown."""
    match = _UNREAD_CALL.search(reason)
    return match.group(1) if match else None


@dataclass
class ProviderConfig:
    """One `provider` block as seen from a module instance."""

    name: str  # local provider name: aws, google, azurerm...
    alias: str | None
    attributes: dict[str, Any]
    file: str
    line: int
    implicit: bool = False  # no block written: the provider's empty default configuration
    # Attribute name -> the line it is written on (where a provider's `region =` is).
    attribute_lines: dict[str, int] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.name}.{self.alias}" if self.alias else self.name


@dataclass
class ResourceInstance:
    """An evaluated resource or data source instance."""

    address: str
    mode: str  # managed | data
    type: str
    name: str
    module_path: str
    file: str
    line: int
    end_line: int
    block: Block
    attributes: dict[str, Any]
    provider: ProviderConfig | None
    provider_ref: str
    unexpanded_reason: str | None = None  # count/for_each not known statically
    # Top-level attribute -> addresses of the resources its expression refers to.
    references: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Backend:
    type: str  # s3, azurerm, gcs, remote, cloud...
    attributes: dict[str, Any]
    file: str
    line: int
    end_line: int


@dataclass
class UnreadModule:
    """A module call whose source is not on disk (a registry or git module before
    `terraform init`): its resources are unknown, its arguments are not."""

    address: str
    source: str
    file: str
    line: int
    end_line: int
    inputs: dict[str, Any]
    provider_names: tuple[str, ...]  # Terraform provider names of the calling module
    why: str = ""  # why it was not read, when not for want of `terraform init`


# Functions that read a file of the module (SPEC §2: what they read is not input).
FILE_READERS = frozenset({
    "file", "templatefile", "filebase64", "filemd5", "filesha1", "filesha256", "filesha512",
    "filebase64sha256", "filebase64sha512",
})


@dataclass(frozen=True)
class FileReference:
    """A file a `file()` or `templatefile()` call reads. `path` is absolute and normalised;
    parts of it that are not known statically (`${each.key}`) are `*`."""

    path: str
    function: str
    file: str  # the Terraform file of the call, as reported
    line: int


@dataclass
class LoadedConfiguration:
    resources: list[ResourceInstance] = field(default_factory=list)
    backend: Backend | None = None
    unread_modules: list[UnreadModule] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    module_dirs: set[str] = field(default_factory=set)  # every directory loaded as a child
    files: list[str] = field(default_factory=list)
    file_references: list[FileReference] = field(default_factory=list)


@dataclass
class ModuleConfig:
    """The blocks of one module directory, grouped by kind."""

    directory: Path
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attribute] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    providers: list[Block] = field(default_factory=list)
    resources: list[Block] = field(default_factory=list)
    module_calls: list[Block] = field(default_factory=list)
    terraform: list[Block] = field(default_factory=list)
    block_files: dict[int, str] = field(default_factory=dict)  # id(block) -> file

    def file_of(self, block: Block) -> str:
        return self.block_files.get(id(block), "")


def group_blocks(directory: Path, files: Sequence[ConfigFile]) -> ModuleConfig:
    config = ModuleConfig(directory)
    for config_file in files:
        for block in config_file.blocks:
            config.block_files[id(block)] = config_file.path
            if block.type == "variable" and block.labels:
                config.variables[block.labels[0]] = block
            elif block.type == "locals":
                for attribute in block.body.attributes.values():
                    config.locals[attribute.name] = attribute
                    config.block_files[id(attribute)] = config_file.path
            elif block.type == "output" and block.labels:
                config.outputs[block.labels[0]] = block
            elif block.type == "provider" and block.labels:
                config.providers.append(block)
            elif block.type in ("resource", "data") and len(block.labels) == 2:
                config.resources.append(block)
            elif block.type == "module" and block.labels:
                config.module_calls.append(block)
            elif block.type == "terraform":
                config.terraform.append(block)
    return config


def _literal_scope() -> Scope:
    return Scope(lambda name: MISSING)


def evaluate_body(body: Body, scope: Scope) -> dict[str, Any]:
    """Attributes evaluated; nested blocks as lists of dicts (as Terraform's JSON shows them)."""
    result: dict[str, Any] = {}
    for name, attribute in body.attributes.items():
        result[name] = evaluate(attribute.expr, scope)
    for block in body.blocks:
        if block.type == "dynamic" and block.labels:
            result.setdefault(block.labels[0], [])
            expanded = _expand_dynamic(block, scope)
            if isinstance(expanded, Unknown):
                result[block.labels[0]] = expanded
            elif isinstance(result[block.labels[0]], list):
                result[block.labels[0]].extend(expanded)
            continue
        if block.type in ("lifecycle", "provisioner", "connection", "precondition",
                          "postcondition"):
            continue
        entries = result.setdefault(block.type, [])
        if isinstance(entries, list):
            entries.append(evaluate_body(block.body, scope))
    return result


def _expand_dynamic(block: Block, scope: Scope) -> list[dict[str, Any]] | Unknown:
    for_each_attr = block.body.attributes.get("for_each")
    contents = block.body.blocks_of("content")
    if for_each_attr is None or not contents:
        return []
    collection = evaluate(for_each_attr.expr, scope)
    if isinstance(collection, Unknown):
        return collection
    iterator_attr = block.body.attributes.get("iterator")
    iterator = block.labels[0]
    if iterator_attr is not None:
        iterator = reference_text(iterator_attr.expr) or iterator
    items = collection.items() if isinstance(collection, dict) else enumerate(collection or [])
    expanded = []
    for key, value in items:
        inner = scope.child({iterator: {"key": key, "value": value}})
        expanded.append(evaluate_body(contents[0].body, inner))
    return expanded


def _validation_candidates(block: Block, name: str) -> tuple[Any, ...] | None:
    """`contains(["a", "b"], var.x)` in a validation gives the candidate values."""
    for validation in block.body.blocks_of("validation"):
        condition = validation.body.attributes.get("condition")
        if condition is None:
            continue
        expr = condition.expr
        if (
            isinstance(expr, Call)
            and expr.name == "contains"
            and len(expr.args) == 2
            and isinstance(expr.args[0], TupleExpr)
            and reference_text(expr.args[1]) == f"var.{name}"
            and all(isinstance(item, Literal) for item in expr.args[0].items)
        ):
            return tuple(item.value for item in expr.args[0].items if isinstance(item, Literal))
    return None


def _instance_key_text(key: Any) -> str:
    return f'["{key}"]' if isinstance(key, str) else f"[{key}]"


def _is_error(reason: str | None) -> bool:
    """Whether an expansion reason is an error in the file (SOV000), not merely unknown."""
    return reason is not None and reason.startswith((LIMIT_EXCEEDED, INVALID_COUNT))


def _expansion(body: Body, scope: Scope) -> tuple[list[tuple[Any, dict[str, Any]]], str | None]:
    """Instances of a block with count/for_each: (key, bindings) pairs, or a reason."""
    count = body.attributes.get("count")
    for_each = body.attributes.get("for_each")
    if count is not None:
        value = evaluate(count.expr, scope)
        if isinstance(value, Unknown):
            return [], f"count is not known statically ({value.reason})"
        if isinstance(value, str):  # Terraform converts count to a number: "1" is 1
            from sovlint.terraform.types import Type, TypeConversionError, convert

            with contextlib.suppress(TypeConversionError):  # the check below names it
                value = convert(value, Type("number"), "count")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [], f"count is not a number: {value!r}"
        if value != value or value < 0 or (isinstance(value, float) and not value.is_integer()
                                            and value < MAX_INSTANCES):
            return [], f"{INVALID_COUNT}: {value!r} is not a whole number of zero or more"
        if value > MAX_INSTANCES:
            return [], f"{LIMIT_EXCEEDED}: count = {value!r} is more than the {MAX_INSTANCES} " \
                       "instances sovlint expands"
        return [(index, {"count": {"index": index}}) for index in range(int(value))], None
    if for_each is not None:
        value = evaluate(for_each.expr, scope)
        unknown = contains_unknown(value) if isinstance(value, (list, Unknown)) else None
        if isinstance(value, Unknown):
            return [], f"for_each is not known statically ({value.reason})"
        if isinstance(value, LazyObject):
            value = value.to_dict()
        if isinstance(value, (dict, list)) and len(value) > MAX_INSTANCES:
            return [], f"{LIMIT_EXCEEDED}: for_each has {len(value)} elements, more than the " \
                       f"{MAX_INSTANCES} instances sovlint expands"
        if isinstance(value, dict):
            return [
                (key, {"each": {"key": key, "value": item}}) for key, item in sorted(value.items())
            ], None
        if isinstance(value, list):
            if unknown is not None:
                return [], f"for_each is not known statically ({unknown.reason})"
            keys = sorted({str(item) for item in value})
            return [(key, {"each": {"key": key, "value": key}}) for key in keys], None
        return [], f"for_each is not a map or set: {value!r}"
    return [(None, {})], None


class _ModuleInstance:
    """One instance of a module (the root, or module.x["k"]) with its own scope."""

    def __init__(
        self,
        loader: TerraformLoader,
        config: ModuleConfig,
        path: str,
        inputs: Mapping[str, Any],
        providers: dict[str, ProviderConfig],
        depth: int,
        chain: tuple[str, ...],
    ) -> None:
        self.loader = loader
        self.config = config
        self.path = path
        self.depth = depth
        self.chain = chain
        # The resources each argument of the call refers to, in the caller (through its own
        # arguments too): a child's `parent_id = var.account_id` names its parent through them.
        self.argument_references: dict[str, list[str]] = {}
        self.variables = self._bind_variables(inputs)
        self._locals_in_progress: set[str] = set()
        self.locals = LazyObject(self._local, lambda: list(config.locals), "local")
        self.scope = Scope(self._root)
        self.resource_views: dict[str, dict[str, Any]] = {}
        self._children: dict[str, Any] = {}
        self._children_in_progress: set[str] = set()
        self.child_instances: dict[str, list[_ModuleInstance]] = {}
        self.providers = dict(providers)
        for block in config.providers:
            if depth > 0 and _is_proxy(block) and _proxy_ref(block) in providers:
                continue  # declares the configuration its caller passes in, keeps it
            if "for_each" in block.body.attributes:
                for provider in self._provider_instances(block):
                    self.providers[provider.ref] = provider
                continue
            provider = self._provider_config(block)
            self.providers[provider.ref] = provider

    def references_of(self, expr: Any, types: set[str]) -> list[str]:
        """Addresses of the managed resources an expression refers to: its own references in
        this module, and those of the caller's arguments behind each `var.NAME` it reads."""
        found = [self.prefix(address) for address in resource_references(expr)
                 if address.split(".", 1)[0] in types]
        for name in variable_references(expr):
            found.extend(a for a in self.argument_references.get(name, []) if a not in found)
        return found

    def prefix(self, address: str) -> str:
        return f"{self.path}.{address}" if self.path else address

    # --- variables and locals -------------------------------------------------------------
    def _bind_variables(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, block in self.config.variables.items():
            default = block.body.attributes.get("default")
            if name in inputs:
                value = inputs[name]
                if value is None and default is not None and _not_nullable(block):
                    value = evaluate(default.expr, _literal_scope())  # nullable = false
                values[name] = _typed(value, block, name)
                continue
            if default is not None:
                values[name] = _typed(evaluate(default.expr, _literal_scope()), block, name)
                continue
            candidates = _validation_candidates(block, name)
            values[name] = Unknown(f"var.{name} has no value", candidates=candidates)
        return values

    def _local(self, name: str) -> Any:
        attribute = self.config.locals.get(name)
        if attribute is None:
            return Unknown(f"local.{name} is not defined")
        if name in self._locals_in_progress:
            return Unknown(f"local.{name} refers to itself")
        self._locals_in_progress.add(name)
        try:
            return evaluate(attribute.expr, self.scope)
        finally:
            self._locals_in_progress.discard(name)

    # --- name resolution -----------------------------------------------------------------
    def _root(self, name: str) -> Any:
        if name == "var":
            return self.variables
        if name == "local":
            return self.locals
        if name == "module":
            return LazyObject(self.module_output_view, lambda: [], "module")
        if name == "path":
            directory = self.config.directory.as_posix()
            return {"module": directory, "root": self.loader.root.as_posix(), "cwd": "."}
        if name == "terraform":
            return {"workspace": self.loader.workspace}
        if name == "data":
            return LazyObject(lambda rtype: self._resource_type_view("data", rtype), address="data")
        if name in self.loader.resource_types_of(self.config):
            return self._resource_type_view("managed", name)
        return MISSING

    def _resource_type_view(self, mode: str, rtype: str) -> Any:
        key = f"{mode}.{rtype}"
        if key not in self.resource_views:
            names = {
                block.labels[1]: block
                for block in self.config.resources
                if block.labels[0] == rtype and (block.type == "data") == (mode == "data")
            }
            views = {name: self._resource_view(mode, block) for name, block in names.items()}
            self.resource_views[key] = views
        views = self.resource_views[key]
        prefix = "data." if mode == "data" else ""

        def getter(name: str) -> Any:
            if name in views:
                return views[name]
            return Unknown(f"{prefix}{rtype}.{name} is not declared")

        return LazyObject(getter, lambda: list(views), f"{prefix}{rtype}")

    def _resource_view(self, mode: str, block: Block) -> Any:
        rtype, name = block.labels
        base = self.prefix(("data." if mode == "data" else "") + f"{rtype}.{name}")
        instances, reason = _expansion(block.body, self.scope)
        if reason is not None:
            return Unknown(f"{base}: {reason}", refs=frozenset({base}))

        def view(key: Any, bindings: dict[str, Any]) -> LazyObject:
            address = base + (_instance_key_text(key) if key is not None else "")
            scope = self.scope.child(bindings)
            return LazyObject(
                lambda attr: self._resource_attribute(block, address, attr, scope),
                lambda: list(block.body.attributes),
                address,
            )

        if len(instances) == 1 and instances[0][0] is None:
            return view(None, instances[0][1])
        if "count" in block.body.attributes:
            return [view(key, bindings) for key, bindings in instances]
        return {str(key): view(key, bindings) for key, bindings in instances}

    def _resource_attribute(self, block: Block, address: str, attr: str, scope: Scope) -> Any:
        attribute = block.body.attributes.get(attr)
        if attribute is not None and attr not in ("count", "for_each", "provider"):
            value = evaluate(attribute.expr, scope)
            if isinstance(value, Unknown):
                return Unknown(value.reason, value.refs | {address}, value.candidates)
            return value
        nested = block.body.blocks_of(attr)
        if nested:
            return [evaluate_body(child.body, scope) for child in nested]
        if attr == "region" or attr in catalog.provider_region_data_attributes(block.labels[0]):
            # `region` of a resource, or `data.aws_region.current.name`: the provider's region.
            provider = self.provider_for(block)
            if provider is not None and "region" in provider.attributes:
                return provider.attributes["region"]
        return Unknown(f"{address}.{attr} is known only after apply", frozenset({address}))

    def module_output_view(self, name: str) -> Any:
        if name in self._children_in_progress:
            return Unknown(f"module.{name} refers to itself")
        if name not in self._children:
            self._children_in_progress.add(name)
            try:
                self._children[name] = self.loader.instantiate_call(self, name)
            finally:
                self._children_in_progress.discard(name)
        return self._children[name]

    # --- providers ----------------------------------------------------------------------
    def _provider_config(self, block: Block) -> ProviderConfig:
        attributes = evaluate_body(block.body, self.scope)
        alias = attributes.pop("alias", None)
        return ProviderConfig(
            name=block.labels[0],
            alias=alias if isinstance(alias, str) else None,
            attributes=attributes,
            file=self.config.file_of(block),
            line=block.line,
            attribute_lines={name: attribute.line
                             for name, attribute in block.body.attributes.items()},
        )

    def _provider_instances(self, block: Block) -> list[ProviderConfig]:
        """OpenTofu's `for_each` on a provider block (OpenTofu 1.9): one configuration per key,
        `aws.by_region["eu"]`; resources pick one with `provider = aws.by_region[each.key]`."""
        base = self._provider_config(block)
        base.attributes.pop("for_each", None)
        alias = base.alias or ""
        instances, reason = _expansion(block.body, self.scope)
        if reason is not None:
            unknown = Unknown(f"provider {base.ref}: {reason}")
            return [dataclasses.replace(base, alias=f"{alias}[*]",
                                        attributes={"region": unknown})]
        found = []
        for key, bindings in instances:
            attributes = evaluate_body(block.body, self.scope.child(bindings))
            for meta in ("alias", "for_each"):
                attributes.pop(meta, None)
            found.append(dataclasses.replace(base, alias=alias + _instance_key_text(key),
                                             attributes=attributes))
        return found

    def provider_for_instance(self, block: Block, scope: Scope,
                              default: ProviderConfig | None) -> ProviderConfig | None:
        """The provider of one instance of a resource whose `provider` picks an instance of a
        provider with for_each (`aws.by_region[each.key]`)."""
        attribute = block.body.attributes.get("provider")
        if attribute is None or not isinstance(attribute.expr, Index):
            return default
        base = reference_text(attribute.expr.obj)
        key = evaluate(attribute.expr.key, scope)
        if base is None or isinstance(key, Unknown):
            return self.providers.get(f"{base}[*]", default)
        return self.providers.get(base + _instance_key_text(key),
                                  self.providers.get(f"{base}[*]", default))

    def provider_ref_of(self, block: Block) -> str:
        attribute = block.body.attributes.get("provider")
        if attribute is not None:
            # HCL writes a reference (aws.dr); JSON syntax may write the string "aws.dr".
            expr = attribute.expr
            text = expr.value if isinstance(expr, Literal) else reference_text(expr)
            if isinstance(text, str) and text:
                return text
        return block.labels[0].split("_", 1)[0]

    def provider_for(self, block: Block) -> ProviderConfig | None:
        ref = self.provider_ref_of(block)
        if ref in self.providers:
            return self.providers[ref]
        if "." not in ref:
            implicit = ProviderConfig(ref, None, {}, "", 0, implicit=True)
            self.providers[ref] = implicit
            return implicit
        return None


def _files_ending(directory: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Entries of a directory that are not directories, whose names end with a suffix, by name.
    FIFOs, devices and links are listed too: reading them reports why they are not read,
    instead of skipping them silently. One `os.scandir` instead of a glob per suffix: every
    module directory is listed by every root module that calls it."""
    try:
        with os.scandir(directory) as listing:
            names = [entry.name for entry in listing
                     if entry.name.endswith(suffixes) and not entry.is_dir()]
    except OSError:
        return []
    return [directory / name for name in sorted(names)]


def _inside_tree(directory: Path, root: Path, scanned: Path) -> bool:
    """Whether a module directory is inside the root module's repository (the nearest
    ancestor holding `.git`), else inside the scanned path, the working directory or the root
    module."""
    from sovlint.discover import is_inside

    absolute = Path(os.path.abspath(root))
    tree = next((c for c in (absolute, *absolute.parents) if (c / ".git").exists()), None)
    bases = [tree] if tree is not None else [Path(os.path.abspath(scanned)), Path.cwd(), absolute]
    return any(is_inside(directory, base) for base in bases)


# OpenTofu reads `.tofu` and `.tofu.json` files too; a `.tofu` file replaces the `.tf` file of the
# same name (and `.tofu.json` the `.tf.json`), which Terraform then never sees
# (https://opentofu.org/docs/language/files/#extension-tofu-and-tofujson).
_NATIVE = (".tf", ".tofu")
_JSON = (".tf.json", ".tofu.json")


def _stem(name: str) -> tuple[str, bool]:
    """A configuration file's name without its extension, and whether it is JSON syntax."""
    for suffix in _JSON:
        if name.endswith(suffix):
            return name[: -len(suffix)], True
    for suffix in _NATIVE:
        if name.endswith(suffix):
            return name[: -len(suffix)], False
    return name, False


def configuration_files(directory: Path) -> list[Path]:
    """The native-syntax files of a module directory by name, then its JSON files by name.
    `x.tofu` hides `x.tf` and `x.tofu.json` hides `x.tf.json`, as in OpenTofu."""
    found = _files_ending(directory, _NATIVE + _JSON)
    tofu = {_stem(p.name) for p in found if p.name.endswith((".tofu", ".tofu.json"))}
    kept = [p for p in found
            if p.name.endswith((".tofu", ".tofu.json")) or _stem(p.name) not in tofu]
    return ([p for p in kept if not _stem(p.name)[1]]
            + [p for p in kept if _stem(p.name)[1]])


def current_workspace(root: Path, environ: Mapping[str, str]) -> str:
    """The workspace `terraform.workspace` names, chosen as Terraform chooses it: TF_WORKSPACE,
    else the one `terraform workspace select` recorded in `.terraform/environment`, else
    `default`."""
    chosen = environ.get("TF_WORKSPACE", "").strip()
    if chosen:
        return chosen
    try:
        recorded = (root / ".terraform" / "environment").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        recorded = ""
    return recorded or "default"


class TerraformLoader:
    """Evaluates a root module directory and every local module it calls."""

    def __init__(
        self,
        root: Path,
        display_root: Path,
        parse_file: FileParser,
        variables: Mapping[str, Any] | None = None,
        var_files: Sequence[Path] = (),
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root
        self.display_root = display_root
        self.parse_file = parse_file
        self.cli_variables = dict(variables or {})
        self.var_files = list(var_files)
        self.environ = os.environ if environ is None else environ
        self.workspace = current_workspace(root, self.environ)
        self.result = LoadedConfiguration()
        self._module_cache: dict[Path, ModuleConfig] = {}
        self._types_cache: dict[int, set[str]] = {}
        self._remote_modules: dict[str, str] | None = None
        self._instances: list[_ModuleInstance] = []
        self._file_calls: dict[int, list[tuple[str, Call]]] = {}
        self._file_references: set[FileReference] = set()

    # --- files ------------------------------------------------------------------------
    def display(self, path: Path) -> str:
        try:
            return path.relative_to(self.display_root).as_posix()
        except ValueError:
            return path.as_posix()

    def module_config(self, directory: Path) -> ModuleConfig:
        directory = directory.resolve() if not directory.is_absolute() else directory
        if directory not in self._module_cache:
            files: list[ConfigFile] = []
            for path in configuration_files(directory):
                parsed, error = self.parse_file(path)
                self.result.files.append(self.display(path))
                if error is not None:
                    self.result.errors.append(error)
                if parsed is not None:
                    files.append(parsed)
            self._module_cache[directory] = group_blocks(directory, files)
        return self._module_cache[directory]

    def module_directories(self) -> list[Path]:
        """Every module directory read so far (the root's included)."""
        return list(self._module_cache)

    def resource_types_of(self, config: ModuleConfig) -> set[str]:
        key = id(config)
        if key not in self._types_cache:
            self._types_cache[key] = {
                block.labels[0] for block in config.resources if block.type == "resource"
            }
        return self._types_cache[key]

    # --- variables ----------------------------------------------------------------------
    def root_inputs(self, config: ModuleConfig) -> dict[str, Any]:
        """Variable values for the root module, in Terraform's precedence order."""
        from sovlint.parsers.tfvars import load_tfvars  # local import: avoids a cycle

        values: dict[str, Any] = {}
        for key, text in sorted(self.environ.items()):
            if key.startswith("TF_VAR_"):
                name = key[len("TF_VAR_") :]
                block = config.variables.get(name)
                values[name] = _parse_cli_value(text, block)
        candidates = [self.root / "terraform.tfvars", self.root / "terraform.tfvars.json"]
        autos = _files_ending(self.root, (".auto.tfvars", ".auto.tfvars.json"))
        for path in [*candidates, *autos, *self.var_files]:
            if path not in self.var_files and not os.path.lexists(path):
                continue  # an absent terraform.tfvars; a --var-file that is absent is an error
            if path in candidates and not os.path.exists(path):
                # Terraform skips a terraform.tfvars that is a dangling link (it tests the
                # target), but fails on a dangling *.auto.tfvars: so does this.
                self.result.diagnostics.append(Diagnostic(
                    self.display(path), f"{self.display(path)} is a symbolic link to "
                    f"{os.readlink(path)}, which does not exist: not read, as Terraform does not "
                    "read it; the variables take their defaults", 1))
                continue
            loaded, error = load_tfvars(path, self.display(path))
            if error is not None:
                self.result.errors.append(error)
            values.update(loaded)
        for name, text in self.cli_variables.items():
            values[name] = _parse_cli_value(text, config.variables.get(name))
        return {name: value for name, value in values.items() if name in config.variables}

    # --- modules ------------------------------------------------------------------------
    def load(self) -> LoadedConfiguration:
        config = self.module_config(self.root)
        instance = _ModuleInstance(self, config, "", self.root_inputs(config), {}, 0, (
            str(self.root),))
        self._collect(instance)
        self.result.backend = self._backend(config)
        self.result.file_references = sorted(self._file_references,
                                             key=lambda r: (r.path, r.file, r.line))
        return self.result

    def _collect(self, instance: _ModuleInstance) -> None:
        self._instances.append(instance)
        self._record_file_reads(instance)
        for block in instance.config.resources:
            self._collect_resource(instance, block)
        for call in instance.config.module_calls:
            instance.module_output_view(call.labels[0])  # instantiates the call
        for _, children in sorted(instance.child_instances.items()):
            for child_instance in children:
                self._collect(child_instance)

    def _file_calls_of(self, config: ModuleConfig) -> list[tuple[str, Call]]:
        calls = self._file_calls.get(id(config))
        if calls is None:
            calls = []
            blocks = (*config.resources, *config.module_calls, *config.outputs.values(),
                      *config.providers)
            for block in blocks:
                calls += [(config.file_of(block), call)
                          for call in calls_in_body(block.body, FILE_READERS)]
            for attribute in config.locals.values():
                body = Body(attributes={attribute.name: attribute})
                calls += [(config.block_files.get(id(attribute), ""), call)
                          for call in calls_in_body(body, FILE_READERS)]
            self._file_calls[id(config)] = calls
        return calls

    def _record_file_reads(self, instance: _ModuleInstance) -> None:
        """The files this instance's `file()`/`templatefile()` calls read, by path (with `*`
        for what is not known statically), so that the scan skips them as not input."""
        for file, call in self._file_calls_of(instance.config):
            if not call.args:
                continue
            path = _path_pattern(call.args[0], instance.scope)
            if path is None:
                continue
            if not os.path.isabs(path):
                path = os.path.join(self.root, path)  # relative to where Terraform runs
            self._file_references.add(FileReference(os.path.normpath(path), call.name,
                                                    file, call.line))

    def _collect_resource(self, instance: _ModuleInstance, block: Block) -> None:
        mode = "data" if block.type == "data" else "managed"
        rtype, name = block.labels
        base = instance.prefix(("data." if mode == "data" else "") + f"{rtype}.{name}")
        provider = instance.provider_for(block)
        file = instance.config.file_of(block)
        instances, reason = _expansion(block.body, instance.scope)
        if _is_error(reason):
            self.result.errors.append(ParseError(file, block.line, f"{base}: {reason}"))
        if reason is not None:
            # One unexpanded record; what depends on each/count is unknown for that reason.
            unknown = Unknown(reason, frozenset({base}))
            instances = [(None, {"each": unknown, "count": unknown})]
        types = self.resource_types_of(instance.config)
        references = {
            name: instance.references_of(attribute.expr, types)
            for name, attribute in block.body.attributes.items()
        }
        references = {name: found for name, found in references.items() if found}
        for key, bindings in instances:
            address = base + (_instance_key_text(key) if key is not None else "")
            scope = instance.scope.child(bindings)
            attributes = evaluate_body(block.body, scope)
            provider = instance.provider_for_instance(block, scope, provider)
            for meta in ("count", "for_each", "provider", "depends_on", "lifecycle"):
                attributes.pop(meta, None)
            self.result.resources.append(
                ResourceInstance(
                    address=address,
                    mode=mode,
                    type=rtype,
                    name=name,
                    module_path=instance.path,
                    file=file,
                    line=block.line,
                    end_line=block.end_line,
                    block=block,
                    attributes=attributes,
                    provider=provider,
                    provider_ref=instance.provider_ref_of(block),
                    unexpanded_reason=reason,
                    references=references,
                )
            )

    def _remote_module_dirs(self) -> dict[str, str]:
        if self._remote_modules is None:
            self._remote_modules = {}
            manifest = self.root / ".terraform" / "modules" / "modules.json"
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
                for entry in data.get("Modules", []):
                    if entry.get("Key") and entry.get("Dir"):
                        self._remote_modules[str(entry["Key"])] = str(entry["Dir"])
            except (OSError, ValueError, AttributeError):
                pass
        return self._remote_modules

    def instantiate_call(self, parent: _ModuleInstance, name: str) -> Any:
        call = next((c for c in parent.config.module_calls if c.labels[0] == name), None)
        if call is None:
            return Unknown(f"module.{name} is not declared")
        address = parent.prefix(f"module.{name}")
        file = parent.config.file_of(call)
        source_attr = call.body.attributes.get("source")
        source = evaluate(source_attr.expr, parent.scope) if source_attr else None
        if not isinstance(source, str):
            return self._unavailable(address, file, call, "module source is not a literal string")
        directory = self._module_directory(parent, name, source)
        if directory is None:
            self._record_unread(parent, address, file, call, source)
            return self._unavailable(address, file, call, _NOT_LOCAL.format(source=source))
        if not _inside_tree(directory, self.root, self.display_root):
            why = _OUTSIDE_TREE.format(source=source)
            self._record_unread(parent, address, file, call, source, why)
            return self._unavailable(address, file, call, why)
        if parent.depth + 1 > MAX_MODULE_DEPTH or str(directory) in parent.chain:
            return self._unavailable(address, file, call, "module calls itself (cycle)")
        self.result.module_dirs.add(str(directory))
        config = self.module_config(directory)
        instances, reason = _expansion(call.body, parent.scope)
        if _is_error(reason):
            self.result.errors.append(ParseError(file, call.line, f"{address}: {reason}"))
        if reason is not None:
            self.result.diagnostics.append(
                Diagnostic(file, f"{address}: {reason}; its resources are not expanded",
                           call.line)
            )
            # One unexpanded instance: each.* and count.index inside it are unknown for the
            # same reason (not "each is not defined", which Terraform would never say here).
            unknown = Unknown(f"{address}: {reason}")
            instances = [(None, {"each": unknown, "count": unknown})]
        providers = self._child_providers(parent, call)
        outputs: dict[str, Any] = {}
        children = parent.child_instances
        children[name] = []
        # What each argument refers to is the same for every instance: read it once.
        parent_types = self.resource_types_of(parent.config)
        argument_references = {
            attr: found for attr, attribute in call.body.attributes.items()
            if (found := parent.references_of(attribute.expr, parent_types))
        }
        for key, bindings in instances:
            scope = parent.scope.child(bindings)
            inputs = {
                attr: evaluate(attribute.expr, scope)
                for attr, attribute in call.body.attributes.items()
                if attr not in ("source", "version", "providers", "count", "for_each",
                                "depends_on")
            }
            path = address + (_instance_key_text(key) if key is not None else "")
            child = _ModuleInstance(self, config, path, inputs, providers, parent.depth + 1,
                                    (*parent.chain, str(directory)))
            child.argument_references = argument_references
            children[name].append(child)
            view = self._outputs_view(child, path)
            if key is None:
                return view
            outputs[str(key)] = view
        if "count" in call.body.attributes:
            return [outputs[k] for k in sorted(outputs, key=int)]
        return outputs

    def _outputs_view(self, child: _ModuleInstance, path: str) -> LazyObject:
        return LazyObject(
            lambda output: self._output(child, output),
            lambda: list(child.config.outputs),
            path,
        )

    def _output(self, instance: _ModuleInstance, name: str) -> Any:
        block = instance.config.outputs.get(name)
        if block is None or "value" not in block.body.attributes:
            return Unknown(f"{instance.path}: output {name!r} is not declared")
        return evaluate(block.body.attributes["value"].expr, instance.scope)

    def _record_unread(self, parent: _ModuleInstance, address: str, file: str, call: Block,
                       source: str, why: str = "") -> None:
        if any(m.address == address for m in self.result.unread_modules):
            return
        inputs = {
            attr: evaluate(attribute.expr, parent.scope)
            for attr, attribute in call.body.attributes.items()
            if attr not in ("source", "version", "providers", "count", "for_each", "depends_on")
        }
        names = tuple(sorted({cfg.name for cfg in parent.providers.values()}))
        self.result.unread_modules.append(UnreadModule(
            address, source, file, call.line, call.end_line, inputs, names, why))

    def _unavailable(self, address: str, file: str, call: Block, why: str) -> Unknown:
        message = f"{address}: {why}"
        if not any(d.message == message for d in self.result.diagnostics):
            self.result.diagnostics.append(Diagnostic(file, message, call.line))
        return Unknown(message)

    def _module_directory(self, parent: _ModuleInstance, name: str, source: str) -> Path | None:
        if source.startswith(("./", "../")) or source in (".", ".."):
            directory = (parent.config.directory / source).resolve()
            return directory if directory.is_dir() else None
        key = ".".join(
            part.split("[", 1)[0].removeprefix("module.")
            for part in (parent.path.split(".module.") if parent.path else [])
            if part
        )
        key = f"{key}.{name}" if key else name
        recorded = self._remote_module_dirs().get(key)
        if recorded is None:
            return None
        directory = (self.root / recorded).resolve()
        return directory if directory.is_dir() else None

    def _child_providers(self, parent: _ModuleInstance, call: Block) -> dict[str, ProviderConfig]:
        # Default (unaliased) configurations are inherited; `providers = {...}` maps others.
        inherited = {ref: cfg for ref, cfg in parent.providers.items() if "." not in ref}
        mapping = call.body.attributes.get("providers")
        if mapping is None:
            return inherited
        expr = mapping.expr
        if isinstance(expr, ObjectExpr):
            for key_expr, value_expr in expr.items:
                child_ref = (
                    key_expr.value
                    if isinstance(key_expr, Literal)
                    else reference_text(key_expr)
                )
                parent_ref = reference_text(value_expr)
                if not isinstance(child_ref, str) or parent_ref is None:
                    continue
                provider = parent.providers.get(parent_ref)
                if provider is None:
                    continue
                inherited[child_ref] = provider
        return inherited

    def _backend(self, config: ModuleConfig) -> Backend | None:
        for block in config.terraform:
            for inner in block.body.blocks:
                if inner.type == "backend" and inner.labels:
                    attributes = evaluate_body(inner.body, _literal_scope())
                    return Backend(inner.labels[0], attributes, config.file_of(block),
                                   inner.line, inner.end_line)
                if inner.type == "cloud":
                    attributes = evaluate_body(inner.body, _literal_scope())
                    return Backend("cloud", attributes, config.file_of(block), inner.line,
                                   inner.end_line)
        return None


def _is_proxy(block: Block) -> bool:
    """A provider block of a child module holding nothing but `alias` (or nothing): the form
    that declared a provider configuration the caller passes in, before
    `configuration_aliases`; it does not configure anything itself."""
    return not block.body.blocks and set(block.body.attributes) <= {"alias"}


def _proxy_ref(block: Block) -> str:
    alias = block.body.attributes.get("alias")
    value = evaluate_literal(alias.expr) if alias is not None else None
    return f"{block.labels[0]}.{value}" if isinstance(value, str) else block.labels[0]


def _not_nullable(block: Block) -> bool:
    attribute = block.body.attributes.get("nullable")
    return attribute is not None and evaluate_literal(attribute.expr) is False


def _typed(value: Any, block: Block, name: str) -> Any:
    """A variable's value converted to its type constraint, as Terraform converts it; a value
    the type refuses is Unknown with the reason."""
    from sovlint.terraform.types import TypeConversionError, TypeSyntaxError, convert, parse_type

    attribute = block.body.attributes.get("type")
    if attribute is None:
        return value
    try:
        constraint = parse_type(attribute.expr, evaluate_literal)
    except TypeSyntaxError:
        return value  # a type we do not read: the value as given
    try:
        return convert(value, constraint, f"var.{name}")
    except TypeConversionError as exc:
        return Unknown(f"{exc} (type constraint)")


def _parse_cli_value(text: str, block: Block | None) -> Any:
    """`--var k=v` and TF_VAR_k: strings, unless the variable's type is not a string."""
    type_attr = block.body.attributes.get("type") if block is not None else None
    type_text = reference_text(type_attr.expr) if type_attr is not None else None
    if type_attr is None or type_text == "string":
        return text
    from sovlint.parsers.hcl import HclSyntaxError, parse_expression

    try:
        return evaluate(parse_expression(text), _literal_scope())
    except HclSyntaxError:
        return text


def _path_pattern(expr: Expr, scope: Scope) -> str | None:
    """A path argument as a string, parts not known statically as `*`; None when nothing of
    it is known."""
    value = evaluate(expr, scope)
    if isinstance(value, str):
        return value
    if not isinstance(value, Unknown) or not isinstance(expr, Template):
        return None
    parts: list[str] = []
    for part in expr.parts:
        known = part if isinstance(part, str) else evaluate(part, scope)
        if isinstance(known, (int, float)) and not isinstance(known, bool):
            known = str(known)
        text = known if isinstance(known, str) else "*"
        if not parts or text != "*" or parts[-1] != "*":
            parts.append(text)
    pattern = "".join(parts)
    return pattern if pattern.strip("*/") else None


def evaluate_literal(expr: Expr) -> Any:
    return evaluate(expr, _literal_scope())


def iter_addresses(resources: Iterable[ResourceInstance]) -> list[str]:
    return [resource.address for resource in resources]
