"""No connection leaves the machine: every fixture and a tree of remote modules, charts and
kustomize remote bases are scanned with an audit hook on every socket connect, name lookup and
process start, inside a network namespace when `unshare -rn` works here."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES

# Runs the command line with an audit hook that writes one JSON line per event to argv[1].
_AUDITED_CLI = r"""
import json, sys
log = open(sys.argv.pop(1), "a", encoding="utf-8")
def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.sendto"):
        address = args[1] if event != "socket.getaddrinfo" else args[0]
        log.write(json.dumps({"event": event, "address": repr(address)}) + "\n")
    elif event == "subprocess.Popen":
        log.write(json.dumps({"event": event, "args": [str(a) for a in args[1]]}) + "\n")
    log.flush()
sys.addaudithook(hook)
from sovlint.cli import main
sys.argv[0] = "sovlint"
main()
"""
_LOCAL = ("127.", "'localhost'", "::1")


def _remote_tree(root: Path) -> Path:
    tree = root / "remote"
    (tree / "tf").mkdir(parents=True)
    (tree / "tf" / "main.tf").write_text(
        'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n  version = "5.0.0"\n}\n'
        'module "git" {\n  source = "git::https://git.example.com/acme/db.git?ref=v1"\n}\n'
        'module "zip" {\n  source = "https://example.com/modules/bucket.zip"\n}\n'
        'module "s3" {\n  source = "s3::https://s3-eu-west-1.amazonaws.com/acme/m.zip"\n}\n',
        encoding="utf-8")
    chart = tree / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(
        "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: redis\n"
        "    version: 18.0.0\n    repository: https://charts.example.com/stable\n"
        "  - name: db\n    version: 1.0.0\n    repository: oci://registry.example.com/charts\n",
        encoding="utf-8")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
        encoding="utf-8")
    for name, body in {
        "scheme-less": "resources:\n  - github.com/acme/infra//base?ref=v1\n",
        "url": "resources:\n  - https://example.com/manifests/deploy.yaml\n",
        "component": "components:\n  - git@github.com:acme/components.git//eu\n",
        "base": "bases:\n  - https://github.com/acme/infra.git//overlays/eu\n",
        "helm": "helmCharts:\n  - name: redis\n    repo: https://charts.example.com\n"
                "    version: 18.0.0\n",
    }.items():
        (tree / "kustomize" / name).mkdir(parents=True)
        (tree / "kustomize" / name / "kustomization.yaml").write_text(body, encoding="utf-8")
    return tree


def _command(log: Path, *args: str) -> list[str]:
    command = [sys.executable, "-c", _AUDITED_CLI, str(log), *args]
    if shutil.which("unshare") and subprocess.run(
            ["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-rn", *command]
    return command


def _events(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_no_connection_leaves_the_machine(tmp_path: Path) -> None:
    tree = _remote_tree(tmp_path)
    log = tmp_path / "audit.jsonl"
    targets = [str(FIXTURES)]  # every fixture, one scanned tree

    completed = subprocess.run(
        _command(log, "scan", "--no-cache", "--jobs", "1", "--format", "json",
                 *targets, str(tree)),
        capture_output=True, text=True, cwd=tmp_path, timeout=600)

    assert completed.returncode in (0, 1), completed.stderr
    report = json.loads(completed.stdout)
    assert report["summary"]["files"] > 50  # the fixtures were scanned, not skipped
    events = _events(log)
    remote = [e for e in events if e["event"].startswith("socket.")
              and not e["address"].startswith(_LOCAL) and "AF_UNIX" not in e["address"]]
    assert remote == []
    started = [e["args"] for e in events if e["event"] == "subprocess.Popen"]
    assert not [args for args in started if Path(args[0]).name in ("git", "curl", "wget")]
    if shutil.which("kubectl"):  # the hook sees processes: local overlays are rendered
        assert [args for args in started if args[:2] == ["kubectl", "kustomize"]
                and "kustomize-imaging" in args[-1]]
    # The remote kustomizations are never handed to a renderer...
    assert not [args for args in started if any(str(tree / "kustomize") in a for a in args)]
    # ...and each is reported instead of silently passing.
    messages = [d["message"] for d in report["diagnostics"]] + [
        f["message"] for f in report["findings"]]
    for name in ("scheme-less", "url", "component", "base", "helm"):
        assert [d for d in report["diagnostics"] + report["findings"]
                if f"kustomize/{name}" in (d.get("file") or "")], name
    assert any("terraform-aws-modules/vpc/aws" in m for m in messages)


@pytest.mark.skipif(shutil.which("unshare") is None, reason="unshare is not installed")
def test_the_network_namespace_really_has_no_network(tmp_path: Path) -> None:
    if subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -rn is not permitted here (no user namespaces)")
    probe = ("import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=2)\n"
             "except OSError as exc:\n    print(type(exc).__name__)\n")

    completed = subprocess.run(["unshare", "-rn", sys.executable, "-c", probe],
                               capture_output=True, text=True, timeout=30)

    assert completed.stdout.strip() == "OSError"  # ENETUNREACH: no route, no interface
