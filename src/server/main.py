"""``flowsql server``: start the job server and serve until interrupted."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

TOKEN_VARIABLE = "FLOWSQL_TOKEN"

DESCRIPTION = """\
Run a long-lived flowsql session that accepts SQL over a REST API and serves a web UI
listing its jobs with their operator graphs and live metrics.

  POST /v1/statements   SQL run in the server's session (DDL and SET stay; INSERT gives a job id)
  POST /v1/jobs         a job file, run in a session of its own (flowsql -f job.sql --server URL)
  GET  /v1/jobs         the jobs;  GET /v1/jobs/<id>: one job with its operator graph
  POST /v1/jobs/<id>/cancel (or DELETE /v1/jobs/<id>) cancels a job
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowsql server", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8081, help="port to listen on (default 8081; 0 picks one)")
    parser.add_argument("--token", default=os.environ.get(TOKEN_VARIABLE),
                        help=f"require 'Authorization: Bearer TOKEN' on every API request (default: ${TOKEN_VARIABLE})")
    parser.add_argument("-D", dest="defines", metavar="KEY=VALUE", action="append", default=[],
                        help="set an option of the server's session (and of each job file's); repeatable")
    return parser


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: Sequence[str], env_factory: Callable[[dict[str, str]], Any]) -> int:
    args = build_parser().parse_args(list(argv))
    options: dict[str, str] = {}
    for item in args.defines:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            print(f"flowsql server: error: -D expects key=value, found '{item}'", file=sys.stderr)
            return 2
        options[key.strip()] = value.strip()

    from flowsql.server.api import JobServerApi
    from flowsql.server.http import make_server

    env = env_factory(options)
    api = JobServerApi(env, lambda extra: env_factory({**options, **extra}), token=args.token or None)
    try:
        server = make_server(api, args.host, args.port)
    except OSError as error:
        print(f"[ERROR] Could not listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 1
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{port}/"
    print(f"[INFO] flowsql job server listening on {address}", flush=True)
    print(f"[INFO] Web UI: {address}" + (f"#token={args.token}" if args.token else ""), flush=True)
    if not _is_loopback(args.host) and not args.token:
        print(f"[WARNING] {args.host} is reachable from other machines and no --token is set: anyone who can "
              "reach this port can run SQL here", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\n[INFO] Stopping the job server; cancelling its jobs.", flush=True)
    finally:
        server.server_close()
        for job in env.jobs.list():
            job.cancel()
    return 0
