"""`sovlint opa push` and `sovlint opa check`: policies on a remote OPA server.

`push` uploads the built-in policies and the configured or given policy directories to the
server's Policy API, so that `sovlint scan --opa-url` evaluates the same rules there;
`check` tells whether the server answers and which sovlint rules it has. These commands, and
a scan with `--opa-url`, are the only ones that use the network.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from sovlint.config import Config

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
TOKEN_HELP = "bearer token for the server (prefer the environment variable SOVLINT_OPA_TOKEN)"


def _fail(message: str) -> NoReturn:
    click.echo(f"sovlint: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _config(config_path: str | None, policy_dirs: tuple[str, ...] = ()) -> Config:
    from sovlint.config import ConfigError, load_config, with_overrides

    try:
        config = load_config(Path(config_path) if config_path else None,
                             start=Path.cwd())
        return with_overrides(config, policy_dirs=policy_dirs)
    except ConfigError as exc:
        _fail(str(exc))


def _url(opa_url: str | None, config: Config) -> str:
    url = opa_url or config.opa_url
    if not url:
        _fail("no OPA server: give --opa-url URL (or opa.url in the configuration)")
    return url


@click.group(name="opa")
def opa_group() -> None:
    """Policies on a remote OPA server (used by `sovlint scan --opa-url`)."""


@opa_group.command()
@click.option("--opa-url", help="base URL of the OPA server, e.g. http://localhost:8181")
@click.option("--policy-dir", "policy_dirs", multiple=True,
              help="extra Rego policy directory or file to push (repeatable; the configured "
                   "`policies` are pushed too, Python policies stay local)")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="configuration file (default: .sovlint.yaml found upwards)")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="seconds to wait for each answer")
@click.option("--opa-token", envvar="SOVLINT_OPA_TOKEN", help=TOKEN_HELP)
@click.option("--prune", is_flag=True,
              help="also delete policies under sovlint/ on the server that were not pushed now")
def push(opa_url: str | None, policy_dirs: tuple[str, ...], config_path: str | None,
         timeout: float, opa_token: str | None, prune: bool) -> None:
    """Upload the built-in and custom policies (test files excluded) to an OPA server."""
    from sovlint.engine import PolicyError
    from sovlint.engine.opa import push_policies
    from sovlint.engine.python import is_python_policy

    config = _config(config_path, policy_dirs)
    url = _url(opa_url, config)
    rego = [Path(p) for p in config.policies if not is_python_policy(p)]
    try:
        pushed = push_policies(url, rego, timeout=timeout,
                               token=opa_token or None, prune=prune, report=click.echo)
    except PolicyError as exc:
        _fail(str(exc))
    click.echo(f"{len(pushed)} policies pushed to {url}")


@opa_group.command()
@click.option("--opa-url", help="base URL of the OPA server, e.g. http://localhost:8181")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="configuration file (default: .sovlint.yaml found upwards)")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, help="seconds to wait for each answer")
@click.option("--opa-token", envvar="SOVLINT_OPA_TOKEN", help=TOKEN_HELP)
def check(opa_url: str | None, config_path: str | None, timeout: float,
          opa_token: str | None) -> None:
    """Health check: does the server answer, and which sovlint rules does it evaluate?

    Exit 0 when it is healthy and has sovlint rules, 1 when it has none, 2 when it cannot be
    used.
    """
    from sovlint.engine import PolicyError
    from sovlint.engine.opa import server_status

    url = _url(opa_url, _config(config_path))
    try:
        status = server_status(url, timeout=timeout, token=opa_token or None)
    except PolicyError as exc:
        _fail(str(exc))
    click.echo(f"OPA at {status.url} is healthy: {len(status.policies)} policies loaded, "
               f"{len(status.rules)} sovlint rule packages")
    for package in status.rules:
        click.echo(f"  {package}")
    if not status.rules:
        click.echo("sovlint: no rule under data.sovlint.rules; run `sovlint opa push` "
                   "or load a bundle", err=True)
    sys.exit(EXIT_OK if status.rules else EXIT_FINDINGS)
