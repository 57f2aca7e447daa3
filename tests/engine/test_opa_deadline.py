"""The OPA timeout is a deadline for the whole answer, not for each read."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import HealthyHandler, local_http_server

from sovlint.engine import PolicyError
from sovlint.engine.opa import OpaEngine
from sovlint.resources import builtin_policies_dir


def _drip(stream: Any) -> None:
    """A status line, then one header line every 0.2 s, for ever (almost), until the client
    gives up (what the tests want)."""
    with contextlib.suppress(OSError):
        stream.write(b"HTTP/1.1 200 OK\r\n")
        for index in range(100):
            stream.write(f"X-Drip-{index}: 1\r\n".encode())
            stream.flush()
            time.sleep(0.2)


class _Drip(HealthyHandler):
    """Healthy; then answers a query one header line every 0.2 s, for ever (almost)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        _drip(self.wfile)


@pytest.fixture()
def dripping_server() -> Iterator[str]:
    with local_http_server(_Drip) as url:
        yield url


def test_a_server_that_drips_its_answer_hits_the_deadline(dripping_server: str) -> None:
    engine = OpaEngine(dripping_server, [builtin_policies_dir()], timeout=1.0)
    start = time.monotonic()

    with pytest.raises(PolicyError, match=r"did not answer within 1 s .*whole answer"):
        engine.evaluate({"resources": [], "errors": [], "config": {}})

    assert time.monotonic() - start < 3  # each 0.2 s read alone would never time out


class _DripHealth(HealthyHandler):
    """Answers the health check one header line every 0.2 s, for ever (almost)."""

    def do_GET(self) -> None:
        _drip(self.wfile)


def test_a_server_that_drips_its_health_check_hits_the_deadline() -> None:
    with local_http_server(_DripHealth) as url, pytest.raises(
            PolicyError, match=r"^evaluation limit exceeded: OPA at .*: the health check did "
                               r"not finish within 1 s$"):
        OpaEngine(url, [builtin_policies_dir()], timeout=0.5)
