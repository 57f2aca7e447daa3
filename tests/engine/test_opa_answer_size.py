"""An OPA server's answer is read up to a size limit: a 3 GB body is refused, not read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers import HealthyHandler, local_http_server

from sovlint.engine import PolicyError
from sovlint.engine.opa import DEFAULT_MAX_ANSWER, OpaEngine, max_answer_from_environment
from sovlint.resources import builtin_policies_dir

THREE_GB = 3 * 1000 ** 3
INPUT: dict[str, Any] = {"resources": [], "errors": [], "config": {}}
sent: dict[str, int] = {}


class _Flood(HealthyHandler):
    """Healthy; then answers a query with 3 GB, announced (/announced) or streamed without a
    length (/streamed), one megabyte at a time until the client hangs up."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if self.path.startswith("/announced"):
            self.send_header("Content-Length", str(THREE_GB))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        chunk = b" " * 1024 ** 2
        sent["bytes"] = 0
        try:
            self.wfile.write(b'{"result": "')
            while sent["bytes"] < THREE_GB:
                self.wfile.write(chunk)
                sent["bytes"] += len(chunk)
        except OSError:
            pass  # the client hung up: what the test wants


@pytest.fixture()
def flooding_server() -> Iterator[str]:
    with local_http_server(_Flood) as url:
        yield url


def test_an_announced_3_gb_answer_is_refused_before_reading(flooding_server: str) -> None:
    engine = OpaEngine(f"{flooding_server}/announced", [builtin_policies_dir()], timeout=30)

    with pytest.raises(PolicyError, match=r"answered too much \(3,000,000,000 bytes announced; "
                       r"the limit is 256 MiB, SOVLINT_OPA_MAX_ANSWER raises it\)"):
        engine.evaluate(INPUT)


def test_a_streamed_answer_is_read_only_up_to_the_limit(flooding_server: str) -> None:
    engine = OpaEngine(f"{flooding_server}/streamed", [builtin_policies_dir()], timeout=30,
                       max_answer=4 * 1024 ** 2)

    with pytest.raises(PolicyError, match=r"answered too much \(more than 4,194,304 bytes "
                       r"sent; the limit is 4 MiB"):
        engine.evaluate(INPUT)

    assert sent["bytes"] < 64 * 1024 ** 2  # the client hung up long before 3 GB


def test_the_limit_is_set_in_the_environment() -> None:
    assert max_answer_from_environment({}) == DEFAULT_MAX_ANSWER
    assert max_answer_from_environment({"SOVLINT_OPA_MAX_ANSWER": "16"}) == 16 * 1024 ** 2
    with pytest.raises(PolicyError, match=r"SOVLINT_OPA_MAX_ANSWER='1G': expected a whole"):
        max_answer_from_environment({"SOVLINT_OPA_MAX_ANSWER": "1G"})
