"""A job server in this process, on a free loopback port, with a token."""

from __future__ import annotations

import pytest
from flowsql.server.api import JobServerApi
from flowsql.server.http import make_server, serve_in_thread
from flowsql.sql_client.cli import create_environment
from flowsql.sql_client.remote import request

TOKEN = "test-token-8d1f"


class RunningServer:
    token = TOKEN

    def __init__(self, env, url: str) -> None:
        self.env = env
        self.url = url

    def call(self, method: str, path: str, document=None, token: str | None = TOKEN):
        return request(self.url + path, method, document, token, timeout=60)

    def statements(self, sql: str):
        return self.call("POST", "/v1/statements", {"statement": sql})


@pytest.fixture
def server():
    env = create_environment({})
    api = JobServerApi(env, create_environment, token=TOKEN)
    http = make_server(api, "127.0.0.1", 0)
    serve_in_thread(http)
    yield RunningServer(env, f"http://127.0.0.1:{http.server_address[1]}")
    http.shutdown()
    http.server_close()
    for job in env.jobs.list():
        job.cancel()
