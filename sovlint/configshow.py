"""`sovlint config`: the effective configuration as YAML, each top-level key followed by where
its value comes from (the file that set it, or the built-in default)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from sovlint.config import Config


def effective(config: Config) -> str:
    """The configuration as YAML, commented with each key's origin."""
    explicit = _keys_in(config.source)
    values: dict[str, Any] = {
        "profile": config.profile,
        "allow": {"countries": list(config.allow_countries),
                  "providers": list(config.allow_providers),
                  "registries": list(config.allow_registries)},
        "scope": {"tags": {key: list(tags) for key, tags in _tag_items(config.scope_tags)},
                  "paths": list(config.scope_paths)},
        "rules": {rule_id: _rule(setting) for rule_id, setting in sorted(config.rules.items())},
        "fail_on": config.fail_on,
        "exclude": list(config.exclude),
        "policies": list(config.policies),
        "kubernetes": {"cluster": {key: value for key, value in (
            ("provider", config.kubernetes_cluster.provider),
            ("region", config.kubernetes_cluster.region),
            ("terraform", config.kubernetes_cluster.terraform)) if value is not None}},
        "opa": {"url": config.opa_url, "timeout": config.opa_timeout},
        "terraform": {"unread_modules": config.unread_modules,
                      "root_timeout": config.root_timeout},
        "resource_types": {"control_plane": list(config.control_plane_types),
                           "data_bearing": list(config.data_bearing_types)},
    }
    header = f"# configuration: {config.source}" if config.source else \
        "# configuration: none found, built-in defaults"
    lines = [header]
    for key, value in values.items():
        origin = f"from {config.source}" if key in explicit else "default"
        refused = [why for name, why in config.refused if name.split(".")[0] == key]
        if refused:
            origin += f"; not applied: {'; '.join(refused)}"
        lines.append(f"# {key}: {origin}")
        flow = None if isinstance(value, (dict, list)) else False
        lines.append(yaml.safe_dump({key: value}, sort_keys=False,
                                    default_flow_style=flow).rstrip("\n"))
    return "\n".join(lines) + "\n"


def _keys_in(source: str | None) -> set[str]:
    """Top-level keys the configuration file sets (it was validated when loaded)."""
    if not source or not Path(source).is_file():
        return set()
    text = Path(source).read_text(encoding="utf-8")
    if source.endswith(".toml"):
        if sys.version_info >= (3, 11):
            import tomllib
        else:
            import tomli as tomllib
        data: Any = tomllib.loads(text)
        if Path(source).name == "pyproject.toml":
            data = data.get("tool", {}).get("sovlint", {})
    else:
        data = yaml.safe_load(text)
    return set(data) if isinstance(data, dict) else set()


def _tag_items(tags: Any) -> list[tuple[str, Any]]:
    items = tags.items() if hasattr(tags, "items") else tags
    return [(str(key), value) for key, value in items]


def _rule(setting: Any) -> Any:
    if not setting.enabled:
        return "off"
    shown: dict[str, Any] = {}
    if setting.severity is not None:
        shown["severity"] = setting.severity
    if not setting.ignorable:
        shown["ignorable"] = False
    return shown or "on"
