"""A scan opens no network connection and runs no program but the optional renderers."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli

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
