"""A stand-in for an OPA server, for the tests: not OPA, the embedded engine behind OPA's API.

No OPA binary can be installed where the tests run, so this threaded loopback HTTP server
answers the endpoints of OPA's REST API that sovlint's client uses, with OPA's status codes
and error bodies (`{"code": ..., "message": ...}`):

    GET /health                         200 {} (or `health_status` with {"error": ...})
    GET /v1/policies                    {"result": [{"id", "raw"}, ...]}
    GET|PUT|DELETE /v1/policies/<id>    a policy module; PUT takes the Rego text
    POST /v1/data/<path>                {"input": ...} -> {"result": ...}, {} when undefined
    GET /v1/data/<path>                 the same without input

Policies are evaluated with regorus, a fresh engine per request (an engine belongs to the
thread that made it). `bundle` preloads modules, as `opa run --server --bundle` would.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import regorus

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOCATION = re.compile(r"-->\s*(?P<file>[^:\s]+):(?P<row>\d+):(?P<col>\d+)")


class OpaStandIn:
    """Start with `start()` (or as a context manager); `url` is `http://127.0.0.1:<port>`."""

    def __init__(self, bundle: dict[str, str] | None = None, *, prefix: str = "",
                 token: str | None = None) -> None:
        self.policies: dict[str, str] = dict(bundle or {})
        self.prefix = prefix.rstrip("/")  # served under this path, as behind a reverse proxy
        self.token = token  # when set, every request needs `Authorization: Bearer <token>`
        self.bundle_ids = frozenset(self.policies)
        self.health_status = 200  # another status makes /health fail with it
        self.data_status = 200  # another status makes /v1/data fail with it
        self.delay = 0.0  # seconds every /v1/data answer waits
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request
        self.authorizations: list[str | None] = []  # the Authorization header of each
        self.inputs: list[Any] = []  # the input of every data request
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.standin = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self.prefix}"

    def start(self) -> OpaStandIn:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> OpaStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the endpoints do ------------------------------------------------------------

    def engine(self, modules: dict[str, str]) -> Any:
        engine = regorus.Engine()
        for policy_id, text in sorted(modules.items()):
            engine.add_policy(policy_id, text)
        return engine

    def put_policy(self, policy_id: str, text: str) -> tuple[int, dict[str, Any]]:
        if policy_id in self.bundle_ids:
            return 403, _error("forbidden", f"path {policy_id} is owned by a bundle")
        with self._lock:
            modules = {**self.policies, policy_id: text}
        try:
            self.engine(modules)
        except RuntimeError as exc:
            return 400, _compile_error(exc)
        with self._lock:
            self.policies[policy_id] = text
        return 200, {}

    def delete_policy(self, policy_id: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if policy_id not in self.policies:
                return 404, _error("resource_not_found",
                                   f"storage_not_found_error: policy id {policy_id!r}")
            if policy_id in self.bundle_ids:
                return 403, _error("forbidden", f"path {policy_id} is owned by a bundle")
            del self.policies[policy_id]
        return 200, {}

    def query(self, path: str, input_document: Any, has_input: bool) -> tuple[int, Any]:
        segments = [s for s in path.split("/") if s]
        if not all(_IDENTIFIER.match(s) for s in segments):
            return 400, _error("invalid_parameter", f"invalid path {path!r}")
        if self.delay:
            time.sleep(self.delay)
        if self.data_status != 200:
            return self.data_status, _error("internal_error", "stand-in told to fail")
        with self._lock:
            modules = dict(self.policies)
            self.inputs.append(input_document)
        try:
            engine = self.engine(modules)
            if has_input:
                engine.set_input_json(json.dumps(input_document, sort_keys=True))
            answer = json.loads(engine.eval_query_as_json(".".join(["data", *segments])))
        except RuntimeError as exc:
            where, message = _engine_error(exc)
            return 500, _error("internal_error", f"{where}: {message}" if where else message)
        for entry in answer.get("result", []):
            for expression in entry.get("expressions", []):
                return 200, {"result": expression.get("value")}
        return 200, {}  # undefined: OPA answers an empty object


def _error(code: str, message: str, errors: list[dict[str, Any]] | None = None) -> dict[
        str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _engine_error(exc: Exception) -> tuple[str, str]:
    """(file:row:col, message) of a regorus error (`--> file:row:col` ... `error: message`)."""
    text = str(exc)
    match = _LOCATION.search(text)
    where = f"{match['file']}:{match['row']}:{match['col']}" if match else ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    message = next((line[len("error:"):].strip() for line in lines
                    if line.startswith("error:")), lines[0] if lines else "error")
    return where, message


def _compile_error(exc: Exception) -> dict[str, Any]:
    _, message = _engine_error(exc)
    match = _LOCATION.search(str(exc))
    location = ({"file": match["file"], "row": int(match["row"]), "col": int(match["col"])}
                if match else {"file": "", "row": 0, "col": 0})
    return _error("invalid_parameter", "error(s) occurred while compiling module(s)",
                  [{"code": "rego_parse_error", "message": message, "location": location}])


class _Handler(BaseHTTPRequestHandler):
    server_version = "opa-standin"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms stall

    @property
    def standin(self) -> OpaStandIn:
        standin: OpaStandIn = self.server.standin  # type: ignore[attr-defined]
        return standin

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: pytest shows failures, not access logs

    def _path(self) -> str:
        """The request path without the query and the stand-in's prefix ("" when outside)."""
        path = self.path.split("?", 1)[0]
        prefix = self.standin.prefix
        if prefix and not path.startswith(f"{prefix}/"):
            return ""
        return path[len(prefix):]

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, status: int, body: Any) -> None:
        payload = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        # The client may have given up first (the timeout tests make it).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(payload)

    def _admitted(self) -> bool:
        """Record the request; False (after answering 401) when the token is wrong."""
        authorization = self.headers.get("Authorization")
        with self.standin._lock:
            self.standin.requests.append((self.command, self.path.split("?", 1)[0]))
            self.standin.authorizations.append(authorization)
        token = self.standin.token
        if token is not None and authorization != f"Bearer {token}":
            self._body()  # read what was sent, so that the connection stays usable
            self._answer(401, _error("unauthorized", "missing or invalid bearer token"))
            return False
        return True

    def do_GET(self) -> None:
        if not self._admitted():
            return
        path = self._path()
        if path == "/health":
            status = self.standin.health_status
            self._answer(status, {} if status == 200 else {"error": "stand-in told to fail"})
        elif path.rstrip("/") == "/v1/policies":
            with self.standin._lock:
                listing = [{"id": i, "raw": t} for i, t in sorted(self.standin.policies.items())]
            self._answer(200, {"result": listing})
        elif path.startswith("/v1/policies/"):
            policy_id = path[len("/v1/policies/"):]
            with self.standin._lock:
                text = self.standin.policies.get(policy_id)
            if text is None:
                self._answer(404, _error("resource_not_found",
                                         f"storage_not_found_error: policy id {policy_id!r}"))
            else:
                self._answer(200, {"result": {"id": policy_id, "raw": text}})
        elif path.startswith("/v1/data"):
            self._answer(*self.standin.query(path[len("/v1/data"):], None, False))
        else:
            self._not_found(path)

    def do_POST(self) -> None:
        if not self._admitted():
            return
        path = self._path()
        if not path.startswith("/v1/data"):
            self._not_found(path)
            return
        body = self._body()
        try:
            request = json.loads(body) if body else {}
        except ValueError as exc:
            self._answer(400, _error("invalid_parameter",
                                     f"body contains malformed input document: {exc}"))
            return
        if not isinstance(request, dict):
            self._answer(400, _error("invalid_parameter", "body must be a JSON object"))
            return
        self._answer(*self.standin.query(path[len("/v1/data"):], request.get("input"),
                                         "input" in request))

    def do_PUT(self) -> None:
        if not self._admitted():
            return
        path = self._path()
        if not path.startswith("/v1/policies/") or path == "/v1/policies/":
            self._not_found(path)
            return
        try:
            text = self._body().decode("utf-8")
        except UnicodeDecodeError:
            self._answer(400, _error("invalid_parameter", "policy is not UTF-8 text"))
            return
        self._answer(*self.standin.put_policy(path[len("/v1/policies/"):], text))

    def do_DELETE(self) -> None:
        if not self._admitted():
            return
        path = self._path()
        if not path.startswith("/v1/policies/"):
            self._not_found(path)
            return
        self._answer(*self.standin.delete_policy(path[len("/v1/policies/"):]))

    def _not_found(self, path: str) -> None:
        self._answer(404, _error("resource_not_found", f"no endpoint {path}"))
