"""The HTML report as a browser shows it: headless Chromium loads it without a console message,
its DOM holds every store and every finding, and it renders to a non-trivial screenshot."""

from __future__ import annotations

import html
import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from helpers import run_cli

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no headless Chromium (chromium or chromium-browser) on PATH")

# Chromium logs each console message of the page as "INFO:CONSOLE..." on stderr; an uncaught
# exception or a refused load also shows up there.
CONSOLE = re.compile(r":CONSOLE[^\]]*\]|Uncaught|net::ERR_")


def chromium(page: Path, profile: Path, *action: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on `page` with a fresh profile; stderr carries the console log."""
    assert BROWSER is not None
    return subprocess.run(
        [BROWSER, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
         "--disable-extensions", "--disable-background-networking", "--disable-sync",
         f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         "--window-size=1200,900", *action, page.as_uri()],
        capture_output=True, text=True, timeout=60, check=False, cwd=profile.parent)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if CONSOLE.search(line)]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def render(fixture: str, tmp_path: Path) -> Path:
    page = tmp_path / f"{fixture}.html"
    result = run_cli("scan", f"fixtures/{fixture}", "--format", "html", "--no-timestamp",
                     "--jobs", "1", "--output", str(page))
    assert result.exit_code == 1, result.output  # both fixtures hold violations
    return page


def expected(fixture: str) -> tuple[set[str], set[str]]:
    """The store addresses (inventory) and the resources with a finding (scan), from JSON."""
    inventory = run_cli("inventory", f"fixtures/{fixture}", "--format", "json")
    scan = run_cli("scan", f"fixtures/{fixture}", "--format", "json", "--jobs", "1")
    stores = {store["address"] for store in json.loads(inventory.stdout)["stores"]}
    findings = {finding["resource"] for finding in json.loads(scan.stdout)["findings"]
                if finding["resource"] and not finding["suppressed"]}
    assert stores and findings
    return stores, findings


def test_the_console_check_sees_a_message(tmp_path: Path) -> None:
    """The check below can fail: a page that logs to the console is caught."""
    page = tmp_path / "noisy.html"
    page.write_text("<!DOCTYPE html><title>t</title><script>console.error('sovlint-noisy')"
                    "</script><p>x</p>", encoding="utf-8")
    done = chromium(page, tmp_path / "profile", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    assert any("sovlint-noisy" in line for line in console_messages(done.stderr)), \
        done.stderr[-2000:]


@pytest.mark.parametrize("fixture", ["aws-health-records", "flows"])
def test_chromium_shows_stores_and_findings_without_console_errors(
        fixture: str, tmp_path: Path) -> None:
    page = render(fixture, tmp_path)
    stores, findings = expected(fixture)

    dumped = chromium(page, tmp_path / "profile-dom", "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    assert console_messages(dumped.stderr) == []
    dom = dumped.stdout
    assert "<title>sovlint audit evidence: failed</title>" in dom
    text = html.unescape(re.sub(r"<[^>]+>", " ", dom))
    assert sorted(address for address in stores if address not in text) == []
    assert sorted(address for address in findings if address not in text) == []

    shot = tmp_path / f"{fixture}.png"
    drawn = chromium(page, tmp_path / "profile-png", f"--screenshot={shot}")
    assert drawn.returncode == 0, drawn.stderr[-2000:]
    assert console_messages(drawn.stderr) == []
    data = shot.read_bytes()
    assert png_size(data) == (1200, 900)
    # A blank 1200x900 page compresses to a few KiB; a rendered report is tens of KiB.
    assert len(data) > 20_000, len(data)

