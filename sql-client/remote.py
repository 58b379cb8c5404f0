"""``flowsql -f job.sql --server URL``: submit a job file to a job server instead of running it here.

The server runs the file in a session of its own (``POST /v1/jobs``) and answers with what each
statement did; this prints it with the messages ``flowsql -f`` prints, errors at the file's line
and column. Detached (the default) it returns once the jobs are submitted; with ``--attach`` it
polls each job until it ends and reports how (exit status 1 unless all finished).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any, TextIO

from flowsql.sql_client.runner import (
    MESSAGE_ERROR,
    MESSAGE_SUBMITTED,
    MESSAGE_SUBMITTING,
    MESSAGE_SUCCEEDED,
)

_TERMINAL = ("FINISHED", "FAILED", "CANCELED")


class ServerError(Exception):
    """The server could not be reached or refused the request; the message says which."""


def request(url: str, method: str = "GET", document: Any = None, token: str | None = None,
            timeout: float = 600) -> tuple[int, dict]:
    """One API call: (HTTP status, JSON answer). Raises ``ServerError`` when there is no JSON answer."""
    data = json.dumps(document).encode() if document is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except json.JSONDecodeError:
            raise ServerError(f"the server answered {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ServerError(f"could not reach the job server at {url}: {reason}") from None


def submit(server: str, script: str, *, source: str | None, options: dict[str, str], token: str | None,
           attach: bool, out: TextIO) -> int:
    base = server.rstrip("/")
    try:
        status, answer = request(base + "/v1/jobs", "POST", {"sql": script, "options": options}, token)
    except ServerError as error:
        _println(out, f"[ERROR] {error}")
        return 1
    for result in answer.get("results", []):
        _print_result(out, result)
    error = answer.get("error")
    if status != 200 or error:
        _print_error(out, error or {"message": f"the server answered {status}"}, source)
        return 1
    if not attach:
        return 0
    ok = True
    for job_id in answer.get("jobs", []):
        ok = _follow(base, job_id, token, out) and ok
    return 0 if ok else 1


def _follow(base: str, job_id: str, token: str | None, out: TextIO) -> bool:
    """Poll one job until it ends; print how it ended."""
    while True:
        try:
            status, job = request(f"{base}/v1/jobs/{job_id}", token=token, timeout=30)
        except ServerError as error:
            _println(out, f"[ERROR] {error}")
            return False
        if status != 200:
            _print_error(out, job.get("error") or {"message": f"the server answered {status}"}, None)
            return False
        if job["status"] in _TERMINAL:
            break
        time.sleep(0.25)
    seconds = (job.get("duration_ms") or 0) / 1000
    if job["status"] == "FINISHED":
        _println(out, f"[INFO] Job {job_id} ({job['name']}) finished in {seconds:.3f} s.")
        return True
    if job["status"] == "CANCELED":
        _println(out, f"[INFO] Job {job_id} ({job['name']}) was cancelled.")
        return False
    _println(out, f"[ERROR] Job {job_id} failed. Reason:")
    _println(out, (job.get("error") or {}).get("text") or "unknown")
    return False


def _print_result(out: TextIO, result: dict) -> None:
    kind = result.get("kind")
    if kind == "job":
        _println(out, MESSAGE_SUBMITTING)
        _println(out, MESSAGE_SUBMITTED)
        _println(out, f"Job ID: {result['job_id']}")
    elif kind == "rows":
        from flowsql.table.printing import IN_SET, TableauPrinter

        names = [c["name"] for c in result["columns"]]
        printer = TableauPrinter(names, [None] * len(names), widths="data")
        out.write(printer.render_all(None, [tuple(r) for r in result["rows"]], IN_SET))
        if result.get("truncated"):
            _println(out, f"[WARNING] Only the first {len(result['rows'])} rows were sent.")
    else:
        _println(out, MESSAGE_SUCCEEDED)
    _println(out)


def _print_error(out: TextIO, error: dict, source: str | None) -> None:
    _println(out, MESSAGE_ERROR)
    text = error.get("text") or error.get("message", "")
    if source and error.get("line") is not None:
        text = f"{source}:{error['line']}:{error.get('column') or 1}: {text}"
    elif error.get("hint") and "Hint:" not in text:
        text += f"\nHint: {error['hint']}"
    _println(out, text)


def _println(out: TextIO, text: str = "") -> None:
    out.write(text + "\n")
    out.flush()
