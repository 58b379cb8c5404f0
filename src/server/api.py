"""The REST API of the job server, apart from HTTP: a request's method, path, headers and body in,
a status and a JSON document out.

    POST   /v1/statements        SQL text (or {"statement": ..., "max_rows": n}) run in the server's
                                 session: DDL and SET stay; INSERT answers with its job id
    POST   /v1/jobs              a job file ({"sql": ..., "options": {...}} or the text) run in a
                                 session of its own, as ``flowsql -f`` would; answers with job ids
    GET    /v1/jobs              every job: id, name, status, start time, duration, rows/s
    GET    /v1/jobs/<id>         one job with its operator graph and per-operator metrics
    POST   /v1/jobs/<id>/cancel  cancel it (also DELETE /v1/jobs/<id>)

With a token, each API request must carry ``Authorization: Bearer <token>`` (compared in constant
time). Errors are ``{"error": {"type", "message", "line", "column", "hint", ...}}``.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flowsql.common.errors import ValidationError
from flowsql.exec.job_overview import TERMINAL_STATES, error_dict, job_detail, job_summary
from flowsql.server.session import DEFAULT_MAX_ROWS, ServerSession, StatementsFailed

_JOB_PATH = re.compile(r"^/v1/jobs/([0-9A-Za-z]+)(/cancel)?/?$")


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, document: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(document, default=_json_default, allow_nan=False).encode()
    return Response(status, body, "application/json", headers or {})


def error_response(status: int, message: str, hint: str | None = None, **extra: Any) -> Response:
    return json_response(status, {"error": {"type": "RequestError", "message": message, "line": None,
                                            "column": None, "hint": hint, **extra}})


def _json_default(value: Any) -> Any:
    """Values JSON has no type for: timestamps and dates in ISO form, decimals exactly, bytes in hex."""
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") and hasattr(value, "day") else value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return str(value)


class JobServerApi:
    """Routes API requests to the server session (statements) and the job registry (jobs)."""

    def __init__(self, env: Any, session_factory: Callable[[dict[str, str]], Any], token: str | None = None) -> None:
        self.session = ServerSession(env)
        self.jobs = env.jobs
        self.session_factory = session_factory  # options → a fresh environment for a job file
        self.token = token

    def authorized(self, headers: Any) -> bool:
        if not self.token:
            return True
        sent = headers.get("Authorization") or ""
        scheme, _, credentials = sent.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), self.token.encode())

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> Response:
        if not self.authorized(headers):
            refused = error_response(401, "this server needs a token: send 'Authorization: Bearer <token>'",
                                     hint="pass --token (or set FLOWSQL_TOKEN) to the client")
            refused.headers["WWW-Authenticate"] = 'Bearer realm="flowsql"'
            return refused
        path = path.split("?", 1)[0]
        if path == "/v1/statements":
            return self._statements(body, headers) if method == "POST" else self._not_allowed(method, path)
        if path in ("/v1/jobs", "/v1/jobs/"):
            if method == "GET":
                zone = self._zone()
                return json_response(200, {"jobs": [job_summary(j, self.jobs.meter(j), zone) for j in self.jobs.list()]})
            return self._job_file(body, headers) if method == "POST" else self._not_allowed(method, path)
        match = _JOB_PATH.match(path)
        if match:
            job = self._job(match.group(1))
            if job is None:
                return error_response(404, f"there is no job with id '{match.group(1)}'",
                                      hint="GET /v1/jobs lists the jobs")
            if match.group(2) and method == "POST" or not match.group(2) and method == "DELETE":
                return self._cancel(job)
            if not match.group(2) and method == "GET":
                return json_response(200, job_detail(job, self.jobs.meter(job), self._zone()))
            return self._not_allowed(method, path)
        return error_response(404, f"no such resource: {path}", hint="the API lives under /v1/ (GET /v1/jobs)")

    # -- handlers ---------------------------------------------------------------------------
    def _statements(self, body: bytes, headers: Any) -> Response:
        request = _request(body, headers, "statement")
        if isinstance(request, Response):
            return request
        return self._run(self.session, request)

    def _job_file(self, body: bytes, headers: Any) -> Response:
        request = _request(body, headers, "sql")
        if isinstance(request, Response):
            return request
        options = request.get("options") or {}
        if not isinstance(options, dict):
            return error_response(400, "\"options\" must be a JSON object of option keys and values")
        try:
            env = self.session_factory({str(k): str(v) for k, v in options.items()})
        except Exception as error:  # noqa: BLE001 - a bad option value
            return json_response(400, {"error": error_dict(error), "results": []})
        env.jobs = self.jobs  # the file's jobs are the server's: listed, shown and cancelled with the rest
        session = ServerSession(env)
        response = self._run(session, request)
        if response.status != 200:  # like `flowsql -f`: a file that fails midway runs none of its jobs
            for result in json.loads(response.body).get("results", []):
                if result.get("kind") == "job":
                    self.jobs.get(result["job_id"]).cancel()
        return response

    def _run(self, session: ServerSession, request: dict) -> Response:
        try:
            max_rows = int(request.get("max_rows") or DEFAULT_MAX_ROWS)
        except (TypeError, ValueError):
            return error_response(400, "max_rows must be a whole number")
        try:
            results = session.run(request["text"], max_rows)
        except StatementsFailed as failed:
            return json_response(400, failed.as_dict())
        jobs = [r["job_id"] for r in results if r.get("kind") == "job"]
        return json_response(200, {"results": results, "jobs": jobs})

    def _cancel(self, job: Any) -> Response:
        if job.status.state in TERMINAL_STATES:
            return error_response(409, f"job '{job.job_id}' has already ended: it is {job.status.state}",
                                  hint="only a CREATED or RUNNING job can be cancelled", job_status=job.status.state)
        job.cancel()
        if job.start_time is not None:
            job.done_event.wait(5)
        return json_response(200, {"id": job.job_id, "status": job.status.state})

    # -- helpers ----------------------------------------------------------------------------
    def _job(self, job_id: str) -> Any:
        try:
            return self.jobs.get(job_id)
        except ValidationError:
            return None

    def _zone(self) -> str:
        return self.session.env.config.get("table.local-time-zone") or "UTC"

    @staticmethod
    def _not_allowed(method: str, path: str) -> Response:
        return error_response(405, f"{method} is not allowed on {path}")


def _request(body: bytes, headers: Any, text_key: str) -> dict | Response:
    """The request as {"text": SQL, ...}: a JSON object holding ``text_key``, or the body as SQL text."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return error_response(400, "the request body is not UTF-8 text")
    content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            return error_response(400, f"the request body is not valid JSON: {error.msg}",
                                  line=error.lineno, column=error.colno)
        if not isinstance(document, dict) or not isinstance(document.get(text_key), str):
            return error_response(400, f"expected a JSON object with the SQL text under \"{text_key}\"")
        return dict(document, text=document[text_key])
    return {"text": text}
