"""A scan opens no network connection and runs no program but the optional renderers, and
policies cannot reach the network."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, run_cli

RENDERERS = {"kubectl", "kustomize", "helm"}


def test_scan_of_every_fixture_uses_no_network_and_runs_only_renderers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    connections: list[Any] = []
    programs: list[str] = []

    def refuse_connect(self: socket.socket, address: Any) -> None:
        connections.append(address)
        raise OSError("network use during a scan")

    real_popen = subprocess.Popen

    def record_popen(args: Any, *rest: Any, **kwargs: Any) -> Any:
        programs.append(Path(str(args[0] if isinstance(args, (list, tuple)) else args)).name)
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_connect)
    monkeypatch.setattr(subprocess, "Popen", record_popen)
    result = run_cli("scan", "fixtures", "--jobs", "1", "--format", "json")
    assert result.exit_code == 1
    assert connections == []
    assert set(programs) <= RENDERERS
    assert "terraform" not in programs


# Run in a fresh interpreter with an audit hook (inherited by forked parser workers): every
# socket created, connection, DNS lookup and program started, in any process of the scan.
AUDIT_SCRIPT = r"""
import os, socket, sys

LOG = sys.argv[1]

def hook(event, args):
    if event == "socket.__new__":
        family = args[1]
        if family in (socket.AF_UNIX, -1):
            return
        record = f"{event} family={family}"
    elif event in ("socket.connect", "socket.bind", "socket.getaddrinfo",
                   "socket.gethostbyname", "socket.sendto"):
        record = f"{event} {args[1:]!r}"
    elif event == "subprocess.Popen":
        record = f"{event} {os.path.basename(str(args[0]))}"
    elif event in ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile"):
        record = f"{event} {args[0]!r}"
    else:
        return
    with open(LOG, "a", encoding="utf-8") as handle:
        handle.write(record + "\n")

sys.addaudithook(hook)
from sovlint.cli import main
sys.argv = ["sovlint", *sys.argv[2:]]
main()
"""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_whole_process_scan_with_workers_opens_no_socket_and_runs_only_renderers(
        tmp_path: Path, jobs: str) -> None:
    log = tmp_path / "audit.log"
    script = tmp_path / "audited.py"
    script.write_text(AUDIT_SCRIPT, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), str(log), "scan", "fixtures", "--jobs", jobs,
         "--format", "json", "--output", str(tmp_path / "report.json")],
        cwd=REPO, capture_output=True, text=True, check=False,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert result.returncode == 1, result.stderr
    events = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    network = [e for e in events if e.startswith("socket.")]
    programs = {e.split()[1] for e in events if e.startswith("subprocess.Popen")}
    others = [e for e in events if e.startswith("os.")]
    assert network == []
    assert programs <= RENDERERS
    assert others == []


NETWORK_POLICY = """# METADATA
# title: phone-home
# description: Asks a server.
# custom:
#   id: ACME900
#   name: phone-home
#   severity: high
package sovlint.rules.acme_phone_home

import rego.v1

deny contains {{"rule_id": "ACME900", "resource": r.address, "message": "x"}} if {{
	some r in input.resources
	{call}
}}
"""


@pytest.mark.parametrize("call", [
    'http.send({"method": "GET", "url": "http://127.0.0.1:9/"}).status_code == 200',
    'count(net.lookup_ip_addr("example.com")) > 0',
    'opa.runtime().env.HOME != ""',
])
def test_policies_may_not_use_network_builtins(tmp_path: Path, call: str) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "phone_home.rego").write_text(NETWORK_POLICY.format(call=call),
                                              encoding="utf-8")
    connections: list[Any] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect",
                      lambda self, address: connections.append(address))
        result = run_cli("scan", "fixtures/aws-health-records", "--policy-dir", str(policies),
                         "--format", "json")
    assert result.exit_code == 2
    assert f"{policies / 'phone_home.rego'}:" in result.output
    assert "is not allowed: sovlint evaluates policies offline" in result.output
    assert connections == []
