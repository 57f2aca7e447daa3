"""Helpers shared by the tests: fixture paths, an in-process CLI runner, finding filters."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sovlint.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def run_cli(*args: str, cwd: Path | None = None, input: str | None = None) -> Result:
    """Run the sovlint command in-process, from `cwd` (the repository by default)."""
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd or REPO)
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)


def findings_of(report: dict[str, Any], rule_id: str) -> list[tuple[str | None, str, int]]:
    """(resource, file, line) of every unsuppressed finding of one rule."""
    return [
        (f["resource"], f["file"], f["line"])
        for f in report["findings"]
        if f["rule_id"] == rule_id and not f["suppressed"]
    ]


class HealthyHandler(BaseHTTPRequestHandler):
    """A quiet handler whose health check (GET) answers `{}`; subclasses answer the query."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


@contextlib.contextmanager
def local_http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A server on 127.0.0.1 answering with `handler`, in a thread; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
