"""A remote OPA server as policy engine: the same input document in, the same denies out.

Used only when the user names a server (`--opa-url`, or `opa_url` in the configuration):
this is the one module of sovlint that opens network connections. The whole input goes to
the server in one request, `POST <url>/v1/data/sovlint/rules`, and the answer has the shape
of the embedded engine's `data.sovlint.rules`, so the denies are collected by the same code.

The policies are on the server already, from a bundle or pushed by `sovlint opa push`
(`push_policies`). Rule metadata (severity, name) is read from the local policy files, as
the embedded engine does, so a finding has the same severity whichever engine produced it.

HTTP goes through opa-python-client (`opa_client`), imported only when a server is used.
"""

from __future__ import annotations

import contextlib
import importlib
import ipaddress
import json
import os
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sovlint.engine import Deny, PolicyError
from sovlint.engine.metadata import RuleMetadata, read_metadata
from sovlint.engine.rego import collect_denies, policy_files
from sovlint.model import LIMIT_EXCEEDED

# One evaluation carries the whole scan: a 50,000-resource input is about 100 MB of JSON
# and takes OPA tens of seconds. The client's own default (1.5 s) is far too short.
DEFAULT_TIMEOUT = 300.0
PUSH_TIMEOUT = 60.0
HEALTH_TIMEOUT = 10.0  # the health check never waits longer, whatever the evaluation timeout
TOKEN_ENV = "SOVLINT_OPA_TOKEN"
# The largest answer read from a server: the denies of a scan are far smaller than its input,
# and a server (or a proxy answering for it) must not make sovlint read gigabytes into memory.
MAX_ANSWER_ENV = "SOVLINT_OPA_MAX_ANSWER"  # MiB
DEFAULT_MAX_ANSWER = 256 * 1024 ** 2
_CHUNK = 1024 ** 2
RULES_PACKAGE = "sovlint.rules"
ID_PREFIX = "sovlint/"

_PACKAGE_RE = re.compile(r"^\s*package\s+([\w.]+)", re.M)
_ERRNO_RE = re.compile(r"\[Errno -?\d+\] [^'\"()]+")


@dataclass(frozen=True)
class OpaServer:
    """Where an OPA server answers: `url` is the normalised base, without a trailing slash."""

    url: str
    scheme: str
    host: str
    port: int
    prefix: str  # "" or "/path" of a reverse proxy in front of OPA

    @property
    def api_version(self) -> str:
        # opa_client builds every API URL as scheme://host:port/<version>/...; it has no
        # notion of a path prefix, so the prefix travels as part of the version ("opa/v1").
        return f"{self.prefix.lstrip('/')}/v1" if self.prefix else "v1"

    @property
    def client_host(self) -> str:
        try:
            is_v6 = ipaddress.ip_address(self.host).version == 6
        except ValueError:
            is_v6 = False
        return f"[{self.host}]" if is_v6 else self.host


def parse_opa_url(url: str) -> OpaServer:
    """The server of an `--opa-url`: http or https, a host, an optional port and path prefix."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise PolicyError(f"invalid OPA URL {url!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise PolicyError(f"invalid OPA URL {url!r}: expected http:// or https://, "
                          "e.g. http://localhost:8181")
    if not parts.hostname:
        raise PolicyError(f"invalid OPA URL {url!r}: no host")
    if parts.username is not None or parts.password is not None:
        raise PolicyError(f"invalid OPA URL {url!r}: credentials do not belong in the URL; "
                          f"give a bearer token in {TOKEN_ENV}")
    if parts.query or parts.fragment:
        raise PolicyError(f"invalid OPA URL {url!r}: no query or fragment expected")
    prefix = parts.path.rstrip("/")
    if re.search(r"(^|/)v1(/|$)", prefix):
        raise PolicyError(f"invalid OPA URL {url!r}: give the server's base URL, without "
                          "/v1/... (sovlint adds the API path itself)")
    if port is None:
        port = 443 if scheme == "https" else 80
    host = parts.hostname
    shown_host = f"[{host}]" if ":" in host else host
    return OpaServer(url=f"{scheme}://{shown_host}:{port}{prefix}", scheme=scheme,
                     host=host, port=port, prefix=prefix)


def _token(token: str | None) -> str | None:
    if token is None:
        token = os.environ.get(TOKEN_ENV)
    return token or None


def _client(server: OpaServer, timeout: float, token: str | None) -> Any:
    from opa_client import OpaClient  # imported here: only a remote server needs it

    # retries=0: a failure is reported at once, not repeated behind the user's back (a slow
    # evaluation of a large input is not worth sending again).
    return OpaClient(host=server.client_host, port=server.port, version=server.api_version,
                     ssl=server.scheme == "https", token=token, retries=0, timeout=timeout)


def _requests_errors() -> Any:
    """The exception classes of requests, which opa_client uses (no type stubs installed)."""
    return importlib.import_module("requests.exceptions")


def _reason(exc: BaseException | str) -> str:
    """The useful part of a requests/urllib3 error: `[Errno 111] Connection refused`."""
    text = str(exc)
    match = _ERRNO_RE.search(text)
    if match:
        return match.group(0).strip()
    for marker in ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed"):
        if marker in text:
            return "TLS certificate verification failed"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host"
    return text.splitlines()[0][:300] if text else type(exc).__name__


def describe_error_body(body: bytes | str) -> str:
    """OPA's error answer (`{"code", "message", "errors"}`) in one line."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        return first[:300] or "(empty answer)"
    return _describe(data)


def _describe(data: dict[str, Any]) -> str:
    message = data.get("message") or data.get("error") or ""
    parts = [str(data["code"])] if data.get("code") else []
    if message:
        parts.append(str(message))
    details = []
    for error in data.get("errors") or []:
        if not isinstance(error, dict):
            continue
        location = error.get("location") or {}
        where = ""
        if isinstance(location, dict) and location.get("file"):
            where = f"{location['file']}:{location.get('row', 0)}:{location.get('col', 0)}: "
        details.append(f"{where}{error.get('message', '')}")
    line = ": ".join(parts) or json.dumps(data)[:300]
    return f"{line} ({'; '.join(details)})" if details else line


def _check_health(client: Any, server: OpaServer, timeout: float, token: str | None) -> None:
    """GET /health, or a PolicyError saying why the server cannot be used. The whole check
    (with the second request that finds out why) has a deadline, not only each read: a server
    sending one header line every few seconds would otherwise hold the scan for ever."""
    limit = min(timeout, HEALTH_TIMEOUT)
    outcome: list[BaseException | str | None] = []

    def check() -> None:
        client.timeout = limit
        try:
            healthy = bool(client.check_health(diagnostic_url=f"{server.url}/health"))
            outcome.append(None if healthy else _diagnose_health(server, limit, token))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append(exc)
        finally:
            client.timeout = timeout

    worker = threading.Thread(target=check, name="sovlint-opa-health", daemon=True)
    worker.start()
    worker.join(2 * limit)  # the check and, when it fails, the request that says why
    if not outcome:
        with contextlib.suppress(Exception):
            client.close_connection()
        raise PolicyError(f"{LIMIT_EXCEEDED}: OPA at {server.url}: the health check did not "
                          f"finish within {2 * limit:g} s")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    if result is not None:
        raise PolicyError(result)


def _diagnose_health(server: OpaServer, timeout: float, token: str | None) -> str:
    # check_health() of opa_client answers only True or False and drops the status and the
    # reason; this second request, with urllib, only finds out what to tell the user.
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"{server.url}/health", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        return f"OPA at {server.url} answered {exc.code}: {describe_error_body(exc.read())}"
    except urllib.error.URLError as exc:
        return f"cannot reach OPA at {server.url}: {_reason(exc.reason)}"
    except TimeoutError:
        return f"cannot reach OPA at {server.url}: no answer within {timeout:g} s"
    except OSError as exc:
        return f"cannot reach OPA at {server.url}: {_reason(exc)}"
    return f"OPA at {server.url} is not healthy (health check answered {status})"


def _failure(server: OpaServer, exc: Exception, timeout: float) -> PolicyError:
    """A PolicyError for an exception raised by an opa_client call."""
    errors = _requests_errors()
    if isinstance(exc, errors.Timeout):
        return PolicyError(f"{LIMIT_EXCEEDED}: OPA at {server.url} did not answer within "
                           f"{timeout:g} s "
                           "(raise the timeout for large inputs)")
    if isinstance(exc, errors.HTTPError) and exc.response is not None:
        response = exc.response
        return PolicyError(f"OPA at {server.url} answered {response.status_code}: "
                           f"{describe_error_body(response.content)}")
    if isinstance(exc, errors.JSONDecodeError):
        return PolicyError(f"OPA at {server.url} answered something that is not JSON")
    if isinstance(exc, errors.RequestException):
        return PolicyError(f"cannot reach OPA at {server.url}: {_reason(exc)}")
    message = getattr(exc, "message", None)  # opa_client's own errors: OPA's code, message
    if message is not None:
        detail = _describe({"code": getattr(exc, "expression", None), "message": message,
                            "errors": getattr(exc, "errors", None)})
        return PolicyError(f"OPA at {server.url} answered an error: {detail}")
    return PolicyError(f"OPA at {server.url}: {exc}")


def _local_metadata(directories: Sequence[Path]) -> dict[str, RuleMetadata]:
    rules: dict[str, RuleMetadata] = {}
    for path in policy_files(directories):
        try:
            metadata = read_metadata(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{path}: cannot read policy: {exc}") from exc
        if metadata is not None:
            rules[metadata.id] = metadata
    return rules


def check_answer(result: Any, rules: Iterable[RuleMetadata], url: str) -> None:
    """Fail closed on an answer that does not evaluate every rule: an empty `{}` (no policies
    loaded, a proxy answering for OPA) would otherwise mean "no finding" and pass the gate.

    Every rule package must be present with its `deny` set, even an empty one (OPA answers `[]`
    for a partial set with no member)."""
    if not isinstance(result, dict):
        raise PolicyError(f"OPA at {url} answered {type(result).__name__} for "
                          "data.sovlint.rules, not an object: no rule was evaluated")
    missing = []
    for metadata in sorted(rules, key=lambda rule: rule.id):
        if not metadata.package.startswith(RULES_PACKAGE + "."):
            continue
        node: Any = result
        for part in metadata.package[len(RULES_PACKAGE) + 1:].split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or not isinstance(node.get("deny"), list):
            missing.append(f"{metadata.id} (data.{metadata.package}.deny)")
    if missing:
        raise PolicyError(f"OPA at {url} did not evaluate {', '.join(missing)}: push the "
                          "policies with `sovlint opa push` or load a bundle that contains them")


class OpaEngine:
    """Policies evaluated by a remote OPA server, in one request per scan.

    `metadata_dirs` are the local policy directories (the built-in one included) whose
    `# METADATA` gives each rule its name and severity; they are not sent anywhere.
    The token defaults to the environment variable SOVLINT_OPA_TOKEN.
    """

    def __init__(self, url: str, metadata_dirs: Sequence[Path], *,
                 timeout: float = DEFAULT_TIMEOUT, token: str | None = None,
                 max_answer: int | None = None) -> None:
        if timeout <= 0:
            raise PolicyError(f"OPA timeout must be positive, not {timeout:g}")
        self.max_answer = max_answer_from_environment() if max_answer is None else max_answer
        self.server = parse_opa_url(url)
        self.timeout = timeout
        self._rules = _local_metadata(metadata_dirs)
        self._token = _token(token)
        self._client = _client(self.server, timeout, self._token)
        _check_health(self._client, self.server, timeout, self._token)

    @property
    def url(self) -> str:
        return self.server.url

    def rules(self) -> dict[str, RuleMetadata]:
        return dict(self._rules)

    def evaluate(self, input_document: dict[str, Any]) -> list[Deny]:
        answer = self._query_with_deadline(input_document)
        if not isinstance(answer, dict) or "result" not in answer:
            raise PolicyError(
                f"OPA at {self.server.url} has no policies under data.sovlint.rules: push them "
                "with `sovlint opa push` or load a bundle that contains them")
        check_answer(answer["result"], self._rules.values(), self.server.url)
        return collect_denies(answer["result"])

    def _query_with_deadline(self, input_document: dict[str, Any]) -> Any:
        """The server's answer within `timeout` seconds in all. The client's timeout is per
        read: a server that drips one header line every few seconds would hold the gate for
        ever. The query runs in a thread; past the deadline the connection is closed and the
        scan fails with a clear error."""
        import concurrent.futures

        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1,
                                                     thread_name_prefix="sovlint-opa")
        future = pool.submit(self._query, input_document)
        try:
            return future.result(timeout=self.timeout)
        except concurrent.futures.TimeoutError:
            with contextlib.suppress(Exception):
                self._client.close_connection()
            raise PolicyError(f"{LIMIT_EXCEEDED}: OPA at {self.server.url} did not answer within "
                              f"{self.timeout:g} s (raise the timeout for large inputs; the "
                              "whole answer must arrive within it)") from None
        except PolicyError:
            raise
        except Exception as exc:  # requests and opa_client errors, sorted out by _failure
            raise _failure(self.server, exc, self.timeout) from exc
        finally:
            pool.shutdown(wait=False)

    def _query(self, input_document: dict[str, Any]) -> Any:
        """POST the input to data.sovlint.rules and read the answer, at most `max_answer`
        bytes of it (after decompression): a larger answer is refused, not read."""
        url = f"{self._client.root_url}/data/{RULES_PACKAGE.replace('.', '/')}"
        response = self._client._session.post(url, json={"input": input_document},
                                              timeout=self.timeout, stream=True)
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.strip().isdigit() and int(declared) > self.max_answer:
                raise self._too_large(f"{int(declared):,} bytes announced")
            body = bytearray()
            for chunk in response.iter_content(chunk_size=_CHUNK):
                body += chunk
                if len(body) > self.max_answer:
                    raise self._too_large(f"more than {self.max_answer:,} bytes sent")
        finally:
            response.close()
        if response.status_code >= 400:
            raise PolicyError(f"OPA at {self.server.url} answered {response.status_code}: "
                              f"{describe_error_body(bytes(body))}")
        try:
            return json.loads(body)
        except ValueError:
            raise PolicyError(f"OPA at {self.server.url} answered something that is not "
                              "JSON") from None

    def _too_large(self, what: str) -> PolicyError:
        return PolicyError(f"{LIMIT_EXCEEDED}: OPA at {self.server.url} answered too much "
                           f"({what}; the limit is "
                           f"{self.max_answer / 1024 ** 2:g} MiB, {MAX_ANSWER_ENV} raises it): "
                           "answer not read")

    def close(self) -> None:
        self._client.close_connection()


def max_answer_from_environment(environment: dict[str, str] | None = None) -> int:
    """The answer size limit in bytes: `SOVLINT_OPA_MAX_ANSWER` MiB, else 256 MiB."""
    text = (os.environ if environment is None else environment).get(MAX_ANSWER_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_ANSWER
    if not text.isdigit() or int(text) < 1:
        raise PolicyError(f"{MAX_ANSWER_ENV}={text!r}: expected a whole number of MiB, at "
                          "least 1")
    return int(text) * 1024 ** 2


@dataclass(frozen=True)
class PolicyUpload:
    id: str
    path: Path
    text: str
    library: bool  # no rule metadata: pushed before the rules that import it


def policy_id(path: Path, text: str) -> str:
    """The stable id of a policy on the server: its package path and file name.

    `policies/rules/sov001_non_eu_region/non_eu_region.rego` is
    `sovlint/rules/non_eu_region/non_eu_region.rego` wherever the checkout lives, so pushing
    again replaces the policy instead of adding a second copy.
    """
    match = _PACKAGE_RE.search(text)
    if match is None:
        raise PolicyError(f"{path}: no package declaration")
    return f"{match.group(1).replace('.', '/')}/{path.name}"


def policy_uploads(directories: Iterable[Path]) -> list[PolicyUpload]:
    """Every non-test policy of the built-in directory and `directories`, in push order."""
    from sovlint.resources import builtin_policies_dir

    directories = list(directories)
    for directory in directories:
        if not directory.exists():
            raise PolicyError(f"{directory}: no such policy directory or file")
    seen: set[Path] = set()
    uploads: dict[str, PolicyUpload] = {}
    for path in policy_files([builtin_policies_dir(), *directories]):
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{path}: cannot read policy: {exc}") from exc
        upload = PolicyUpload(id=policy_id(path, text), path=path, text=text,
                              library=read_metadata(path, text) is None)
        if upload.id in uploads:
            raise PolicyError(f"{path} and {uploads[upload.id].path} would both be pushed as "
                              f"{upload.id}: rename one of them")
        uploads[upload.id] = upload
    # Libraries first: OPA compiles each module when it arrives, so the functions a rule
    # imports must already be there. Otherwise built-ins first, then in file order.
    return sorted(uploads.values(), key=lambda u: not u.library)


def push_policies(url: str, directories: Sequence[Path], *, timeout: float = PUSH_TIMEOUT,
                  token: str | None = None, prune: bool = False,
                  report: Callable[[str], None] | None = None) -> list[str]:
    """PUT every non-test policy (built-ins and `directories`) to `<url>/v1/policies/<id>`.

    Returns the ids pushed. With `prune`, policies under `sovlint/` on the server that were
    not pushed now (a renamed or removed file) are deleted. `report` receives one line per
    policy pushed or deleted.
    """
    say = report or (lambda line: None)
    server = parse_opa_url(url)
    uploads = policy_uploads(directories)
    token = _token(token)
    client = _client(server, timeout, token)
    try:
        _check_health(client, server, timeout, token)
        pushed: list[str] = []
        for upload in uploads:
            try:
                # rego_compat=False: the policy goes as written, never rewritten by the client.
                client.update_policy_from_string(upload.text, upload.id, rego_compat=False)
            except Exception as exc:  # requests and opa_client errors
                raise PolicyError(f"{upload.path}: {_failure(server, exc, timeout)}") from exc
            pushed.append(upload.id)
            say(f"pushed {upload.id} ({upload.path.as_posix()})")
        if prune:
            for stale in _stale_ids(client, server, timeout, set(pushed)):
                try:
                    client.delete_policy(stale)
                except Exception as exc:
                    raise _failure(server, exc, timeout) from exc
                say(f"deleted {stale}")
        return pushed
    finally:
        client.close_connection()


def _stale_ids(client: Any, server: OpaServer, timeout: float, pushed: set[str]) -> list[str]:
    try:
        ids = client.get_policies_list()
    except Exception as exc:
        raise _failure(server, exc, timeout) from exc
    return sorted(i for i in ids if isinstance(i, str) and i.startswith(ID_PREFIX)
                  and i not in pushed)


@dataclass(frozen=True)
class ServerStatus:
    url: str
    policies: tuple[str, ...]  # ids of every policy module on the server
    rules: tuple[str, ...]  # packages under data.sovlint.rules that define `deny`


def server_status(url: str, *, timeout: float = HEALTH_TIMEOUT,
                  token: str | None = None) -> ServerStatus:
    """Health check, the policies loaded and the sovlint rule packages the server evaluates."""
    server = parse_opa_url(url)
    token = _token(token)
    client = _client(server, timeout, token)
    try:
        _check_health(client, server, timeout, token)
        try:
            ids = client.get_policies_list()
        except Exception as exc:
            raise _failure(server, exc, timeout) from exc
        try:
            answer = client.get_data("sovlint/rules")
        except Exception as exc:
            # get_data raises PolicyNotFoundError with this code when the document is
            # undefined (no sovlint policy on the server); any other code is a real error.
            if getattr(exc, "expression", None) != "PolicyNotFoundError":
                raise _failure(server, exc, timeout) from exc
            answer = {}
        packages = sorted(_deny_packages(answer.get("result"), RULES_PACKAGE))
        return ServerStatus(url=server.url, policies=tuple(sorted(ids)), rules=tuple(packages))
    finally:
        client.close_connection()


def _deny_packages(value: Any, name: str) -> list[str]:
    if not isinstance(value, dict):
        return []
    found = [name] if "deny" in value else []
    for key, item in value.items():
        if key != "deny":
            found.extend(_deny_packages(item, f"{name}.{key}"))
    return found
