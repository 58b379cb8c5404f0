"""The job server's REST API over real HTTP on loopback: submit, list, detail, cancel, errors, token."""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlparse

UNBOUNDED = """
CREATE TABLE gen (id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'datagen', 'rows-per-second' = '200');
CREATE TABLE counts (k INT, c BIGINT) WITH ('connector' = 'blackhole');
SET 'pipeline.name' = 'counting';
INSERT INTO counts SELECT id % 5, COUNT(*) FROM gen GROUP BY id % 5;
"""


def _until(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _raw(server, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    address = urlparse(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


def test_submit_list_detail_and_cancel_a_running_job(server):
    status, answer = server.statements(UNBOUNDED)
    assert status == 200, answer
    assert [r["kind"] for r in answer["results"]] == ["success", "success", "success", "job"]
    job_id = answer["jobs"][0]
    assert answer["results"][3]["job_id"] == job_id and answer["results"][3]["line"] == 6

    def listed():
        status, listing = server.call("GET", "/v1/jobs")
        assert status == 200
        (job,) = [j for j in listing["jobs"] if j["id"] == job_id]
        return job if job["status"] == "RUNNING" else None

    job = _until(listed)
    assert job["name"] == "counting"
    assert job["start_time"] and job["duration_ms"] >= 0

    def detail_with_rows():
        detail = server.call("GET", f"/v1/jobs/{job_id}")[1]
        return detail if detail["nodes"][0]["metrics"]["rows_out"] > 0 else None

    detail = _until(detail_with_rows)
    kinds = [n["kind"] for n in detail["nodes"]]
    assert kinds[0] == "TableSourceScan" and kinds[-1] == "Sink" and "GroupAggregate" in kinds
    aggregate = next(n for n in detail["nodes"] if n["kind"] == "GroupAggregate")
    assert aggregate["changelog_mode"] == "I,UB,UA,D"
    assert aggregate["label"].startswith("GroupAggregate(")
    ids = {n["id"] for n in detail["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in detail["edges"])
    assert len(detail["edges"]) == len(detail["nodes"]) - 1  # a chain
    metrics = aggregate["metrics"]
    assert {"rows_in_per_second", "rows_out_per_second", "watermark", "watermark_lag_ms", "busy",
            "backpressure", "state_size"} <= set(metrics)
    assert _until(lambda: server.call("GET", f"/v1/jobs/{job_id}")[1]["nodes"][2]["metrics"]["watermark"])

    status, cancelled = server.call("POST", f"/v1/jobs/{job_id}/cancel")
    assert (status, cancelled) == (200, {"id": job_id, "status": "CANCELED"})
    status, again = server.call("DELETE", f"/v1/jobs/{job_id}")
    assert status == 409 and "already ended" in again["error"]["message"]


def test_delete_cancels_too_and_unknown_jobs_are_404(server):
    job_id = server.statements(UNBOUNDED)[1]["jobs"][0]
    status, answer = server.call("DELETE", f"/v1/jobs/{job_id}")
    assert (status, answer["status"]) == (200, "CANCELED")
    status, answer = server.call("GET", "/v1/jobs/0123456789abcdef")
    assert status == 404 and "no job with id" in answer["error"]["message"]


def test_a_bounded_query_returns_its_final_rows(server):
    status, answer = server.statements(
        "SELECT w, COUNT(*) AS c FROM (VALUES ('a'), ('b'), ('a')) AS T(w) GROUP BY w")
    assert status == 200
    (result,) = answer["results"]
    assert result["kind"] == "rows"
    assert [c["name"] for c in result["columns"]] == ["w", "c"]
    assert sorted(result["rows"]) == [["a", 2], ["b", 1]]  # the updates applied, not the changelog


def test_ddl_and_set_stay_in_the_server_session(server):
    assert server.statements("CREATE TABLE t (x INT) WITH ('connector' = 'datagen', 'number-of-rows' = '4')")[0] == 200
    _, answer = server.statements("SELECT COUNT(*) AS n FROM t")
    assert answer["results"][0]["rows"] == [[4]]


def test_an_error_carries_the_engine_message_line_and_column(server):
    status, answer = server.statements("SELECT 1;\nSELECT x\n  FROM no_such_table;")
    assert status == 400
    error = answer["error"]
    assert error["type"] == "Validation error"
    assert "no_such_table" in error["message"]
    assert (error["line"], error["column"], error["statement"]) == (3, 8, 1)
    assert answer["results"][0]["rows"] == [[1]]  # what ran before the error


def test_an_unbounded_query_is_refused_with_a_way_out(server):
    server.statements(UNBOUNDED.split("SET")[0])
    status, answer = server.statements("SELECT * FROM gen")
    assert status == 400
    assert "unbounded" in answer["error"]["message"] and "INSERT INTO" in answer["error"]["hint"]


def test_a_job_file_runs_in_a_session_of_its_own(server):
    file = ("CREATE TABLE src (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '50');\n"
            "CREATE TABLE snk (id INT) WITH ('connector' = 'blackhole');\n"
            "INSERT INTO snk SELECT id FROM src;\n")
    status, answer = server.call("POST", "/v1/jobs", {"sql": file, "options": {"pipeline.name": "from-file"}})
    assert status == 200, answer
    (job_id,) = answer["jobs"]
    def finished():
        job = server.call("GET", f"/v1/jobs/{job_id}")[1]
        return job if job["status"] == "FINISHED" else None

    job = _until(finished)
    assert job["name"] == "from-file"
    assert job["nodes"][-1]["metrics"]["rows_in"] == 50
    status, answer = server.statements("SELECT * FROM src")  # the file's tables are not the server's
    assert status == 400 and "does not exist" in answer["error"]["message"]


def test_a_job_file_failing_midway_cancels_the_jobs_it_started(server):
    file = UNBOUNDED + "\nINSERT INTO nowhere SELECT 1;\n"
    status, answer = server.call("POST", "/v1/jobs", {"sql": file})
    assert status == 400 and (answer["error"]["line"], answer["error"]["column"]) == (8, 1)  # the INSERT; the binder gives no column for its target
    (started,) = [r["job_id"] for r in answer["results"] if r["kind"] == "job"]
    assert _until(lambda: server.env.jobs.get(started).status.state == "CANCELED")


def test_the_token_is_required_and_checked(server):
    response, body = _raw(server, "GET", "/v1/jobs")
    assert response.status == 401 and response.getheader("WWW-Authenticate").startswith("Bearer")
    assert b"Authorization: Bearer" in body
    response, _ = _raw(server, "GET", "/v1/jobs", headers={"Authorization": "Bearer wrong"})
    assert response.status == 401
    response, _ = _raw(server, "POST", "/v1/statements", b"SELECT 1", {"Authorization": "Basic " + server.token})
    assert response.status == 401
    response, body = _raw(server, "POST", "/v1/statements", b"SELECT 1",
                          {"Authorization": f"Bearer {server.token}", "Content-Type": "text/plain"})
    assert response.status == 200 and b'"rows": [[1]]' in body


def test_bad_requests_get_json_errors(server):
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    response, body = _raw(server, "POST", "/v1/statements", b"{not json", headers)
    assert response.status == 400 and b"not valid JSON" in body
    response, body = _raw(server, "GET", "/v2/nothing", headers=headers)
    assert response.status == 404 and response.getheader("Content-Type") == "application/json"
    response, body = _raw(server, "PUT", "/v1/jobs", headers=headers)
    assert response.status == 501  # the standard library refuses methods the server does not speak


def test_the_web_ui_files_are_served_from_the_package(server):
    response, body = _raw(server, "GET", "/")
    assert response.status == 200 and b"/static/app.js" in body
    response, body = _raw(server, "GET", "/static/app.js")
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/javascript")
    response, _ = _raw(server, "GET", "/static/../api.py")
    assert response.status == 404


def test_max_rows_cuts_a_long_result_and_says_so(server):
    status, answer = server.call("POST", "/v1/statements", {
        "statement": "SELECT x FROM (VALUES (1), (2), (3), (4)) AS T(x)", "max_rows": 2})
    assert status == 200
    result = answer["results"][0]
    assert result["rows"] == [[1], [2]] and result["truncated"] is True


def test_a_job_file_with_bad_options_is_refused(server):
    status, answer = server.call("POST", "/v1/jobs", {"sql": "SELECT 1", "options": ["not", "a", "map"]})
    assert status == 400 and "must be a JSON object" in answer["error"]["message"]
