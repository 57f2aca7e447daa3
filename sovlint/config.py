"""Configuration: `.sovlint.yaml`, `[tool.sovlint]` in `pyproject.toml`, or `--config FILE`.

The file is found in the scanned directory or an ancestor, up to the repository root. Every key
is validated: an unknown key or a bad value is a `ConfigError` naming the file and the key path,
which the command line turns into exit code 2 (a misspelt `scpoe` must not silently put every
resource in scope).
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn, cast

from sovlint.engine.metadata import CUSTOM_ID_RE
from sovlint.model import SEVERITIES, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

CONFIG_FILE_NAMES = (".sovlint.yaml", ".sovlint.yml")
PYPROJECT = "pyproject.toml"

BUILTIN_RULE_IDS = tuple(f"SOV{number:03d}" for number in range(8))
PROFILES: dict[str, frozenset[str]] = {
    "residency": frozenset({"SOV000", "SOV001", "SOV003", "SOV004", "SOV005"}),
    "sovereign": frozenset(BUILTIN_RULE_IDS),
}
COUNTRY_GROUPS = ("EU", "EEA", "ADEQUACY")

_CUSTOM_ID = CUSTOM_ID_RE
# `python:package.module`: a Python policy module imported by name.
PYTHON_MODULE_PREFIX = "python:"
_DOTTED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
DEFAULT_OPA_TIMEOUT = 300.0
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
_PYPROJECT_TABLE = re.compile(r"^\s*\[\s*tool\s*\.\s*sovlint\s*[\].]", re.MULTILINE)

_TOP_KEYS = (
    "profile", "allow", "scope", "rules", "fail_on", "exclude", "policies", "kubernetes", "opa",
    "terraform",
    "resource_types",
)
_ALLOW_KEYS = ("countries", "providers", "registries")
_SCOPE_KEYS = ("tags", "paths")
_RULE_KEYS = ("enabled", "severity", "ignorable")
_KUBERNETES_KEYS = ("cluster",)
_CLUSTER_KEYS = ("provider", "region", "terraform")
_OPA_KEYS = ("url", "timeout")
_TERRAFORM_KEYS = ("unread_modules", "root_timeout")
# Seconds one root module's evaluation may take (`terraform.root_timeout`): the largest
# public roots measured take a few seconds; past it the root is an error, the scan goes on.
DEFAULT_ROOT_TIMEOUT = 60.0
UNREAD_MODULE_MODES = ("finding", "diagnostic")
PARSE_ERROR_RULE = "SOV000"
# A trusted configuration file outside the repository, e.g. set by the CI job.
TRUSTED_CONFIG_ENV = "SOVLINT_CONFIG"
TRUST_HINT = "pass it with --config, name it in $SOVLINT_CONFIG, or use --trust-repo-config"
_RESOURCE_TYPE_KEYS = ("control_plane", "data_bearing")


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class RuleSetting:
    """What the configuration says about one rule."""

    enabled: bool = True
    severity: Severity | None = None  # None: the rule's default severity
    ignorable: bool = True  # False: inline ignores do not suppress and are reported


@dataclass(frozen=True)
class ClusterLocation:
    """Where unpinned Kubernetes workloads run (`kubernetes.cluster`)."""

    provider: str | None = None
    region: str | None = None
    # Address of the Terraform cluster resource in the same scan (aws_eks_cluster.main,
    # module.k8s.scaleway_k8s_cluster.this): the workloads run where it is.
    terraform: str | None = None


@dataclass(frozen=True)
class Config:
    profile: str = "sovereign"
    allow_countries: tuple[str, ...] = ("EU", "EEA")  # groups or ISO codes, upper-cased
    allow_providers: tuple[str, ...] = ()  # provider entity ids, lower-cased
    allow_registries: tuple[str, ...] = ()  # registry host globs, lower-cased (SOV006)
    scope_tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    scope_paths: tuple[str, ...] = ()
    rules: dict[str, RuleSetting] = field(default_factory=dict)
    fail_on: Severity = "low"
    exclude: tuple[str, ...] = ()
    # Rego directories or files and Python policy files (resolved relative to base_dir), and
    # Python modules by name (`python:acme.policies`, kept as written).
    policies: tuple[str, ...] = ()
    kubernetes_cluster: ClusterLocation = ClusterLocation()
    base_dir: str = "."  # directory holding the configuration file (or cwd), for relative globs
    source: str | None = None  # the file the configuration came from, for messages
    opa_url: str | None = None  # evaluate the Rego rules on this OPA server (`opa.url`)
    opa_timeout: float = DEFAULT_OPA_TIMEOUT  # seconds (`opa.timeout`)
    # Settings of a configuration found inside the scanned repository that were not applied
    # (see `restrict_repository_config`), by key: reported as diagnostics on `source`.
    refused: tuple[tuple[str, str], ...] = ()
    trusted: bool = True  # from --config, $SOVLINT_CONFIG or --trust-repo-config
    # Rule ids an untrusted repository configuration set under `rules:`: a rule it turns off or
    # whose severity it lowers is applied but reported (`repository_rule_changes` in scan.py).
    repository_rules: tuple[str, ...] = ()
    # Organisation-specific classification (`resource_types.control_plane` / `.data_bearing`):
    # type globs (Terraform types, azapi ARM types, Kubernetes kinds) that override the catalogue.
    control_plane_types: tuple[str, ...] = ()
    data_bearing_types: tuple[str, ...] = ()
    # `terraform.unread_modules`: "finding" (SOV004 on a module call whose source was not
    # read) or "diagnostic" (a note per call, for teams that scan before `terraform init`).
    # SOV001 on a call whose argument names a place outside stays a finding either way.
    unread_modules: str = "finding"
    # `terraform.root_timeout`: seconds one root module's evaluation may take. A configuration
    # inside the scanned repository may lower it, never raise it.
    root_timeout: float = DEFAULT_ROOT_TIMEOUT


# --- finding and loading ---------------------------------------------------------------------


def find_config_file(start: Path) -> Path | None:
    """The nearest configuration file at or above ``start`` (a directory, or a file's directory).

    The walk stops at the repository root (a directory holding `.git`, a directory or a worktree
    file) or the filesystem root. In one directory `.sovlint.yaml` wins over `.sovlint.yml`,
    which wins over a `pyproject.toml` with a `[tool.sovlint]` table.
    """
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    while True:
        for name in CONFIG_FILE_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        pyproject = directory / PYPROJECT
        if pyproject.is_file() and _has_sovlint_table(pyproject):
            return pyproject
        if (directory / ".git").exists() or directory.parent == directory:
            return None
        directory = directory.parent


def load_config(path: Path | None = None, start: Path | None = None, *,
                trust_repo: bool = False) -> Config:
    """The configuration in effect: ``path`` (`--config`), else the file named by
    `$SOVLINT_CONFIG`, else the nearest file, else defaults.

    The first two are trusted: the person running sovlint chose them. A file found inside the
    scanned tree is written by whoever wrote the change under review, so unless ``trust_repo``
    (`--trust-repo-config`) it goes through `restrict_repository_config`.
    """
    trusted = True
    if path is None and os.environ.get(TRUSTED_CONFIG_ENV):
        path = Path(os.environ[TRUSTED_CONFIG_ENV])
    if path is None:
        path = find_config_file(start if start is not None else Path.cwd())
        if path is None:
            return Config(base_dir=str(Path.cwd()))
        trusted = trust_repo
        escape = _leaves_repository(path)
        if escape is not None and not trusted:
            # Never read through a link that leaves the repository: its target's values would
            # be echoed in error messages. Defaults apply, and the link is reported.
            return Config(base_dir=str(path.parent.absolute()), source=_display_path(path),
                          trusted=False, refused=(("", escape),))
    source = _display_path(path)
    if not path.is_file():
        raise ConfigError(f"config {source}: file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config {source}: cannot be read: {exc}") from exc
    base_dir = str(path.resolve().parent)
    if path.suffix == ".toml":
        data = _load_toml(text, source, pyproject=path.name == PYPROJECT)
    else:
        data = _load_yaml(text, source)
    config = parse_config(data, source, base_dir)
    if trusted:
        return config
    return restrict_repository_config(config, _repository_root(path))


def _has_sovlint_table(pyproject: Path) -> bool:
    if _leaves_repository(pyproject) is not None:
        return False  # not read: a pyproject.toml linked from outside is no configuration
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # Claim a broken file that mentions the table, so loading it reports the syntax error
        # instead of silently falling back to defaults.
        return _PYPROJECT_TABLE.search(text) is not None
    tool = document.get("tool")
    return isinstance(tool, dict) and "sovlint" in tool


def _load_yaml(text: str, source: str) -> Any:
    from sovlint.cache import load_yaml_data

    try:
        # Through the data cache: an unchanged configuration needs no YAML parser at start-up.
        return load_yaml_data(text)
    except Exception as exc:
        import yaml

        if not isinstance(exc, yaml.YAMLError):
            raise
        _raise_yaml_error(exc, source)


def _raise_yaml_error(exc: Exception, source: str) -> NoReturn:
    import yaml

    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"config {source}{where}: cannot parse YAML: {problem}") from exc
    raise ConfigError(f"config {source}: cannot parse YAML: {exc}") from exc


def _load_toml(text: str, source: str, *, pyproject: bool) -> Any:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {source}: cannot parse TOML: {exc}") from exc
    if not pyproject:
        return document
    tool = document.get("tool")
    if not isinstance(tool, dict) or "sovlint" not in tool:
        raise ConfigError(f"config {source}: no [tool.sovlint] table")
    return tool["sovlint"]


def _display_path(path: Path) -> str:
    """The path relative to the working directory when it is below it, for short messages."""
    try:
        # The link itself, not its target: a symbolic link is named as it is in the tree.
        return Path(os.path.abspath(path)).relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


# --- the trust boundary ----------------------------------------------------------------------


def _repository_root(config_file: Path) -> Path:
    """The repository a configuration file belongs to: the nearest ancestor holding `.git`,
    else the file's own directory."""
    directory = config_file.absolute().parent
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return directory


def _inside(path: Path, directory: Path) -> bool:
    from sovlint.discover import is_inside

    return is_inside(path, directory)


def _leaves_repository(config_file: Path) -> str | None:
    """Why a found configuration file must not be read (a symbolic link whose target is
    outside its repository), or None."""
    if config_file.is_symlink() and not _inside(config_file, _repository_root(config_file)):
        return "symbolic link to a file outside the repository: not followed, not read"
    return None


def restrict_repository_config(config: Config, repository: Path) -> Config:
    """A configuration from inside the scanned repository, without what it may not decide.

    It may choose rules, scope, severities, exclusions and Rego policy directories inside the
    repository. It may not load code (Python policies), read policies outside the repository,
    send the input anywhere (`opa.url`), or raise `fail_on` above the default: a pull request
    must not be able to switch the gate off. Each refused setting is kept in ``refused``.
    """
    refused: list[tuple[str, str]] = []
    policies: list[str] = []
    for entry in config.policies:
        if entry.startswith(PYTHON_MODULE_PREFIX) or entry.endswith(".py"):
            refused.append(("policies", f"policies: {_shown_entry(entry, config)} not loaded: "
                            "a configuration inside the scanned repository may not load Python "
                            f"code ({TRUST_HINT})"))
        elif not _inside(Path(entry), repository):
            refused.append(("policies", f"policies: {_shown_entry(entry, config)} not loaded: "
                            "it is outside the scanned repository "
                            f"({TRUST_HINT})"))
        else:
            policies.append(entry)
    changes: dict[str, Any] = {"policies": tuple(policies), "trusted": False,
                               "repository_rules": tuple(sorted(config.rules))}
    if config.opa_url is not None:
        refused.append(("opa.url", "opa.url not used: a configuration inside the scanned "
                        "repository may not send the input, a token or variables to a server "
                        f"({TRUST_HINT}, or give --opa-url)"))
        changes["opa_url"] = None
    default = Config().fail_on
    if SEVERITIES.index(config.fail_on) > SEVERITIES.index(default):
        refused.append(("fail_on", f"fail_on: {config.fail_on} not applied (the gate stays at "
                        f"{default}): a configuration inside the scanned repository may not "
                        f"lower the gate ({TRUST_HINT}, or give --fail-on)"))
        changes["fail_on"] = default
    if config.unread_modules != Config().unread_modules:
        refused.append(("terraform.unread_modules", "terraform.unread_modules: "
                        f"{config.unread_modules} not applied (unread module calls stay "
                        "findings): a configuration inside the scanned repository may not "
                        f"lower what the gate reports ({TRUST_HINT})"))
        changes["unread_modules"] = Config().unread_modules
    parse_errors = config.rules.get(PARSE_ERROR_RULE)
    if parse_errors is not None and (not parse_errors.enabled or parse_errors.severity):
        # SOV000 is how what sovlint cannot read fails the gate: off (or lowered under
        # `--fail-on`), an unreadable file, a root past its time budget would pass silently.
        refused.append((f"rules.{PARSE_ERROR_RULE}", f"rules.{PARSE_ERROR_RULE}: not applied "
                        "(files that cannot be read or evaluated stay errors): a configuration "
                        f"inside the scanned repository may not turn {PARSE_ERROR_RULE} off or "
                        f"change its severity ({TRUST_HINT})"))
        rules = dict(config.rules)
        rules[PARSE_ERROR_RULE] = replace(parse_errors, enabled=True, severity=None)
        changes["rules"] = rules
    if config.root_timeout > DEFAULT_ROOT_TIMEOUT:
        refused.append(("terraform.root_timeout", "terraform.root_timeout: "
                        f"{config.root_timeout:g} not applied (each root module still has "
                        f"{DEFAULT_ROOT_TIMEOUT:g} s): a configuration inside the scanned "
                        f"repository may lower the time budget, not raise it ({TRUST_HINT}, "
                        "or give --root-timeout)"))
        changes["root_timeout"] = DEFAULT_ROOT_TIMEOUT
    changes["refused"] = (*config.refused, *refused)
    return replace(config, **changes)


def _shown_entry(entry: str, config: Config) -> str:
    if entry.startswith(PYTHON_MODULE_PREFIX):
        return entry
    try:
        return Path(entry).relative_to(config.base_dir).as_posix()
    except ValueError:
        return entry


# --- validation ------------------------------------------------------------------------------


def parse_config(data: Any, source: str, base_dir: str) -> Config:
    """Validate a loaded mapping (YAML document or `[tool.sovlint]` table) into a `Config`.

    ``None`` (an empty file) gives the defaults.
    """
    check = _Checker(f"config {source}")
    if data is None:
        data = {}
    top = check.mapping(data, "", _TOP_KEYS)
    allow = check.mapping(top.get("allow", {}), "allow", _ALLOW_KEYS)
    scope = check.mapping(top.get("scope", {}), "scope", _SCOPE_KEYS)
    kubernetes = check.mapping(top.get("kubernetes", {}), "kubernetes", _KUBERNETES_KEYS)
    cluster = check.mapping(kubernetes.get("cluster", {}), "kubernetes.cluster", _CLUSTER_KEYS)
    opa = check.mapping(top.get("opa", {}), "opa", _OPA_KEYS)
    types = check.mapping(top.get("resource_types", {}), "resource_types", _RESOURCE_TYPE_KEYS)
    terraform = check.mapping(top.get("terraform", {}), "terraform", _TERRAFORM_KEYS)

    profile = check.choice(top.get("profile", "sovereign"), "profile", tuple(sorted(PROFILES)))
    countries = check.strings(
        allow.get("countries", ["EU", "EEA"]), "allow.countries", _country, bool_as="NO"
    )
    policies = check.strings(top.get("policies", []), "policies", _policy_entry)
    return Config(
        profile=profile,
        allow_countries=countries,
        allow_providers=check.strings(allow.get("providers", []), "allow.providers", _entity_id),
        allow_registries=check.strings(allow.get("registries", []), "allow.registries",
                                       _registry_glob),
        scope_tags=check.scope_tags(scope.get("tags", {})),
        scope_paths=check.strings(scope.get("paths", []), "scope.paths"),
        rules=check.rules(top.get("rules", {})),
        fail_on=check.severity(top.get("fail_on", "low"), "fail_on"),
        exclude=check.strings(top.get("exclude", []), "exclude"),
        policies=tuple(resolve_policy_entry(p, base_dir) for p in policies),
        kubernetes_cluster=ClusterLocation(
            provider=check.optional_string(cluster.get("provider"), "kubernetes.cluster.provider",
                                           _entity_id),
            region=check.optional_string(cluster.get("region"), "kubernetes.cluster.region"),
            terraform=check.optional_string(cluster.get("terraform"),
                                            "kubernetes.cluster.terraform"),
        ),
        base_dir=base_dir,
        source=source,
        opa_url=check.optional_string(opa.get("url"), "opa.url", _opa_url),
        opa_timeout=check.timeout(opa.get("timeout", DEFAULT_OPA_TIMEOUT), "opa.timeout"),
        control_plane_types=check.strings(types.get("control_plane", []),
                                          "resource_types.control_plane"),
        data_bearing_types=check.strings(types.get("data_bearing", []),
                                         "resource_types.data_bearing"),
        unread_modules=check.choice(terraform.get("unread_modules", "finding"),
                                    "terraform.unread_modules", UNREAD_MODULE_MODES),
        root_timeout=check.timeout(terraform.get("root_timeout", DEFAULT_ROOT_TIMEOUT),
                                   "terraform.root_timeout"),
    )


def _policy_entry(value: str) -> str:
    entry = value.strip()
    if entry.startswith(PYTHON_MODULE_PREFIX):
        dotted = entry[len(PYTHON_MODULE_PREFIX):].strip()
        if not _DOTTED_NAME.match(dotted):
            raise ValueError(f"'{value}' is not a Python module name (python:package.module)")
        return PYTHON_MODULE_PREFIX + dotted
    return entry


def resolve_policy_entry(entry: str, base_dir: str) -> str:
    """A `policies:` entry with its path made absolute; `python:` module names as they are."""
    if entry.startswith(PYTHON_MODULE_PREFIX):
        return entry
    return os.path.normpath(os.path.join(base_dir, entry))


def _opa_url(value: str) -> str:
    url = value.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"'{value}' is not an http:// or https:// URL")
    return url


def _entity_id(value: str) -> str:
    """A provider entity id of the catalogue, or a Terraform provider name that maps to exactly
    one entity (then that entity); anything else is a mistake that would trust nothing."""
    import difflib

    from sovlint import catalog

    entity = value.strip().lower()
    ids = catalog.provider_ids()
    if entity in ids:
        return entity
    mapped = catalog.entities_of_terraform_provider(entity)
    if len(mapped) == 1:
        return mapped[0]
    if mapped:
        raise ValueError(f"'{value}' is the Terraform provider of several entities "
                         f"({', '.join(mapped)}): name the entity to trust")
    close = difflib.get_close_matches(entity, ids, n=3, cutoff=0.5) or [
        id_ for id_ in ids
        if entity in (getattr(catalog.get_provider(id_), "name", "") or "").lower()][:3]
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise ValueError(f"'{value}' is not a provider entity of the catalogue{hint} "
                     "(docs/rules/SOV002.md lists the entity ids)")


def _registry_glob(value: str) -> str:
    glob = value.strip().lower()
    if "/" in glob or "@" in glob:
        raise ValueError(f"'{value}' is not a registry host: give the host (or host:port), "
                         "e.g. harbor.example.eu or *.container-registry.ovh.net")
    return glob


def _country(value: str) -> str:
    code = value.strip().upper()
    if code in COUNTRY_GROUPS or _COUNTRY_CODE.match(code):
        return code
    raise ValueError(
        f"'{value}' is neither a group ({', '.join(COUNTRY_GROUPS)}) "
        "nor a 2-letter ISO 3166-1 code"
    )


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


class _Checker:
    """Validation helpers that know the file name, so every error names file and key."""

    def __init__(self, origin: str) -> None:
        self.origin = origin  # "config FILE", or "command line"

    def error(self, key: str, message: str) -> ConfigError:
        where = f"'{key}'" if key else "the top level"
        return ConfigError(f"{self.origin}: {where}: {message}")

    def unknown_key(self, key: str, expected: Sequence[str], name: str) -> ConfigError:
        message = f"{self.origin}: unknown key '{key}' (expected one of: "
        message += ", ".join(expected)
        close = difflib.get_close_matches(name, expected, n=1)
        if close:
            message += f"; did you mean '{close[0]}'?"
        return ConfigError(message + ")")

    def mapping(self, value: Any, key: str, expected: Sequence[str]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.error(key, f"expected a mapping, got {_type_name(value)}")
        for name in value:
            if name not in expected:
                path = f"{key}.{name}" if key else str(name)
                raise self.unknown_key(path, sorted(expected), str(name))
        return dict(value)

    def choice(self, value: Any, key: str, choices: Sequence[str]) -> str:
        if isinstance(value, str) and value.strip().lower() in choices:
            return value.strip().lower()
        raise self.error(key, f"expected one of {', '.join(choices)}, got {value!r}")

    def severity(self, value: Any, key: str) -> Severity:
        return cast(Severity, self.choice(value, key, SEVERITIES))

    def strings(
        self,
        value: Any,
        key: str,
        normalise: Callable[[str], str] = str.strip,
        *,
        bool_as: str | None = None,
    ) -> tuple[str, ...]:
        """A list of strings; a single string is a list of one."""
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise self.error(key, f"expected a list of strings, got {_type_name(value)}")
        result: dict[str, None] = {}
        for index, item in enumerate(items):
            if bool_as is not None and item is False:
                # YAML 1.1 reads an unquoted NO (Norway) as false.
                item = bool_as
            if not isinstance(item, str) or not item.strip():
                raise self.error(f"{key}[{index}]", f"expected a string, got {item!r}")
            try:
                result[normalise(item)] = None
            except ValueError as exc:
                raise self.error(f"{key}[{index}]", str(exc)) from exc
        return tuple(result)

    def optional_string(
        self, value: Any, key: str, normalise: Callable[[str], str] = str.strip
    ) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"expected a string, got {value!r}")
        try:
            return normalise(value.strip())
        except ValueError as exc:
            raise self.error(key, str(exc)) from exc

    def timeout(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.error(key, f"expected a positive number of seconds, got {value!r}")
        return float(value)

    def scope_tags(self, value: Any) -> dict[str, tuple[str, ...]]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.error("scope.tags", f"expected a mapping, got {_type_name(value)}")
        tags: dict[str, tuple[str, ...]] = {}
        for name, accepted in value.items():
            key = f"scope.tags.{name}"
            if not isinstance(name, str) or not name:
                raise self.error(key, "a tag key must be a non-empty string")
            values = accepted if isinstance(accepted, list | tuple) else [accepted]
            tags[name] = tuple(self.tag_value(item, key) for item in values)
        return tags

    def tag_value(self, value: Any, key: str) -> str:
        # Tags are strings in every provider; a YAML `true` or `1` means the text.
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        raise self.error(key, f"expected a string or a list of strings, got {_type_name(value)}")

    def rules(self, value: Any) -> dict[str, RuleSetting]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.error("rules", f"expected a mapping, got {_type_name(value)}")
        rules: dict[str, RuleSetting] = {}
        for rule_id, setting in value.items():
            if not _is_known_rule_id(rule_id):
                close = difflib.get_close_matches(str(rule_id).upper(), BUILTIN_RULE_IDS,
                                                  n=3, cutoff=0.5)
                hint = f"did you mean {', '.join(close)}? " if close else ""
                raise ConfigError(
                    f"{self.origin}: unknown rule id 'rules.{rule_id}' ({hint}expected one of: "
                    f"{', '.join(BUILTIN_RULE_IDS)}, or a custom rule id matching "
                    f"{_CUSTOM_ID.pattern} that does not start with SOV)"
                )
            rules[rule_id] = self.rule_setting(setting, f"rules.{rule_id}")
        return rules

    def rule_setting(self, value: Any, key: str) -> RuleSetting:
        switch = _switch(value)
        if switch is not None:
            return RuleSetting(enabled=switch)
        if not isinstance(value, Mapping):
            raise self.error(
                key, f"expected off, on, or a mapping of {', '.join(_RULE_KEYS)}; got {value!r}"
            )
        setting = self.mapping(value, key, _RULE_KEYS)
        enabled = _switch(setting.get("enabled", True))
        if enabled is None:
            raise self.error(f"{key}.enabled", f"expected true or false, got {value['enabled']!r}")
        ignorable = setting.get("ignorable", True)
        if not isinstance(ignorable, bool):
            raise self.error(f"{key}.ignorable", f"expected true or false, got {ignorable!r}")
        severity = setting.get("severity")
        return RuleSetting(
            enabled=enabled,
            severity=None if severity is None else self.severity(severity, f"{key}.severity"),
            ignorable=ignorable,
        )


def _switch(value: Any) -> bool | None:
    """`off`/`false` and `on`/`true`, as YAML 1.1 booleans or as strings; None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"off": False, "false": False, "on": True, "true": True}.get(value.strip().lower())
    return None


def _is_known_rule_id(rule_id: Any) -> bool:
    if not isinstance(rule_id, str):
        return False
    if rule_id.startswith("SOV"):
        return rule_id in BUILTIN_RULE_IDS
    return _CUSTOM_ID.match(rule_id) is not None


# --- command-line overrides and queries ------------------------------------------------------


def with_overrides(
    config: Config,
    *,
    profile: str | None = None,
    fail_on: str | None = None,
    policy_dirs: Sequence[str] = (),
    opa_url: str | None = None,
    root_timeout: float | None = None,
) -> Config:
    """The configuration with command-line options (`--profile`, `--fail-on`, `--policy-dir`,
    `--opa-url`, `--root-timeout`). Policy paths on the command line are relative to the
    working directory."""
    check = _Checker("command line")
    changes: dict[str, Any] = {}
    if profile is not None:
        changes["profile"] = check.choice(profile, "--profile", tuple(sorted(PROFILES)))
    if fail_on is not None:
        changes["fail_on"] = check.severity(fail_on, "--fail-on")
        changes["refused"] = tuple(item for item in config.refused if item[0] != "fail_on")
    if policy_dirs:
        entries = check.strings(list(policy_dirs), "--policy-dir", _policy_entry)
        cwd = os.getcwd()
        merged = dict.fromkeys((*config.policies,
                                *(resolve_policy_entry(entry, cwd) for entry in entries)))
        changes["policies"] = tuple(merged)
    if opa_url is not None:
        try:
            changes["opa_url"] = _opa_url(opa_url)
        except ValueError as exc:
            raise check.error("--opa-url", str(exc)) from exc
        changes["refused"] = tuple(item for item in changes.get("refused", config.refused)
                                   if item[0] != "opa.url")
    if root_timeout is not None:
        changes["root_timeout"] = check.timeout(root_timeout, "--root-timeout")
        changes["refused"] = tuple(item for item in changes.get("refused", config.refused)
                                   if item[0] != "terraform.root_timeout")
    return replace(config, **changes)


def rule_enabled(config: Config, rule_id: str) -> bool:
    """Whether a rule runs: in the profile (built-in rules) and not turned off."""
    setting = config.rules.get(rule_id)
    if setting is not None and not setting.enabled:
        return False
    if rule_id.startswith("SOV"):
        return rule_id in PROFILES.get(config.profile, frozenset())
    return True


def rule_severity(config: Config, rule_id: str, default: Severity) -> Severity:
    """The configured severity of a rule, else ``default``."""
    setting = config.rules.get(rule_id)
    if setting is not None and setting.severity is not None:
        return setting.severity
    return default


def rule_ignorable(config: Config, rule_id: str) -> bool:
    """Whether inline ignores may suppress findings of a rule (`rules.ID.ignorable`)."""
    setting = config.rules.get(rule_id)
    return setting.ignorable if setting is not None else True
