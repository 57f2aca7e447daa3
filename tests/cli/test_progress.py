"""Progress of a scan on stderr: shown only when stderr is a terminal (a pseudo-terminal here),
never in a pipe or a CI log, never on stdout, and off with --no-progress or --quiet."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest
from helpers import FIXTURES

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

ARGS = ("scan", str(FIXTURES / "shared-module-roots"), "--format", "json", "--no-cache")


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO on Linux once the terminal's other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def run_with_terminal_stderr(*args: str) -> tuple[str, str]:
    """stdout (a pipe) and what the command wrote to its stderr (a pseudo-terminal)."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "sovlint", *args],
                                   stdout=subprocess.PIPE, stderr=terminal,
                                   stdin=subprocess.DEVNULL)
        os.close(terminal)
        terminal = -1
        stderr = _read_all(controller)
        stdout, _ = process.communicate(timeout=120)
    finally:
        if terminal != -1:
            os.close(terminal)
        os.close(controller)
    return stdout.decode(), stderr.decode().replace("\r\n", "\n")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_terminal_shows_files_and_roots_done(jobs: str) -> None:
    stdout, stderr = run_with_terminal_stderr(*ARGS, "--jobs", jobs)

    assert "files found" in stderr
    assert "Terraform roots done" in stderr or "Terraform directories done" in stderr
    assert "roots evaluated" in stderr
    assert "files read" in stderr
    json.loads(stdout)  # the machine report on stdout carries no progress
    assert "sovlint:" not in stdout


def test_without_a_terminal_nothing_is_written_to_stderr() -> None:
    process = subprocess.run([sys.executable, "-m", "sovlint", *ARGS, "--jobs", "1"],
                             capture_output=True, text=True, stdin=subprocess.DEVNULL,
                             timeout=120, check=False)

    assert process.returncode in (0, 1), process.stderr
    assert process.stderr == ""
    json.loads(process.stdout)


@pytest.mark.parametrize("switch", ["--no-progress", "--quiet"])
def test_the_off_switches_silence_the_terminal(switch: str) -> None:
    _, stderr = run_with_terminal_stderr(*ARGS, "--jobs", "1", switch)

    assert stderr == ""


def test_counts_are_throttled_and_the_last_one_always_said() -> None:
    from sovlint.scan import _Counter

    said: list[str] = []
    counter = _Counter(said.append, 3, "Terraform roots", interval=3600)
    for _ in range(3):
        counter.step(", 7 files read")

    assert said == ["3/3 Terraform roots done, 7 files read"]
    every = _Counter(said.append, 2, "Terraform directories", interval=0)
    every.step()
    every.step()
    assert said[1:] == ["1/2 Terraform directories done", "2/2 Terraform directories done"]
