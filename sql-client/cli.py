"""The ``flowsql`` command: run a SQL file, a statement string, or an interactive shell.

Heavy modules (the engine, prompt_toolkit) are imported only once it is known they are needed, so
that ``flowsql -f job.sql`` starts quickly.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

DESCRIPTION = """\
flowsql: a streaming SQL engine speaking Flink SQL, in-process.

Without -f or -e, starts the interactive shell (multi-line input ending in ';', syntax
highlighting, completion, history). With -f, runs the statements of a file in order and stops at
the first error (exit status 1). Queries print in Flink's tableau form; INSERT jobs run embedded,
and the process waits for them before it exits.
"""

EPILOG = """\
examples:
  flowsql                                   start the interactive shell
  flowsql -f job.sql                        run a job file
  flowsql test pipelines/                   run each pipelines/NAME.sql on NAME/input/ files and
                                            compare its sinks with NAME/expected/ files
  flowsql -i tables.sql                     define tables first, then start the shell
  flowsql server --port 8081 --token T      run a job server (REST API and web UI at http://127.0.0.1:8081/)
  flowsql -f job.sql --server http://127.0.0.1:8081 --token T [--attach]
                                            submit job.sql to that server (--attach waits for its jobs)
  flowsql -f job.sql -D day=2024-01-01      run job.sql with ${day} replaced by 2024-01-01
  flowsql -f job.sql -s ckpt/<job-id>/chk-7 resume job.sql from a checkpoint (-s ckpt: the newest one)
  flowsql state inspect ckpt/<job-id>/chk-7 list what a checkpoint holds (--operator/--state: its rows)
  flowsql -D execution.runtime-mode=batch -e "SELECT 1;"
  echo "SELECT 1;" | flowsql                statements from standard input run like a file

-D key=value sets a session option (as SET 'key' = 'value' would) and replaces ${key} in the
texts of -f, -i and -e. Options worth knowing: execution.runtime-mode (streaming | batch),
table.dml-sync (true waits for each INSERT), sql-client.display.print-time-cost (false hides
the timings), table.display.max-column-width (30).
"""

_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")

EnvFactory = Callable[[dict[str, str]], Any]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flowsql", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-f", "--file", metavar="FILE", help="run the statements of FILE, then exit")
    parser.add_argument("-e", "--execute", metavar="SQL", help="run the statements of SQL, then exit")
    parser.add_argument("-i", "--init", metavar="FILE", action="append", default=[],
                        help="run FILE first, silently (DDL, SET, USE); repeatable")
    parser.add_argument("-D", dest="defines", metavar="KEY=VALUE", action="append", default=[],
                        help="set a session option and the ${KEY} variable; repeatable")
    parser.add_argument("-s", "--fromSavepoint", dest="recovery_path", metavar="PATH",
                        help="restore jobs from this checkpoint (<dir>/<job-id>/chk-<n>) or the newest intact "
                             "checkpoint under this folder; sets 'execution.state-recovery.path'")
    parser.add_argument("--server", metavar="URL",
                        help="submit the -f file (or -e statements) to the job server at URL (see `flowsql server "
                             "--help`) instead of running it here; prints the job ids and returns")
    parser.add_argument("--token", default=os.environ.get("FLOWSQL_TOKEN"),
                        help="the job server's token (default: $FLOWSQL_TOKEN)")
    parser.add_argument("--attach", action="store_true",
                        help="with --server: wait for the submitted jobs and print how they ended")
    parser.add_argument("--no-color", action="store_true", help="no syntax highlighting in the shell")
    parser.add_argument("--no-persistent-catalog", action="store_true",
                        help="the shell neither loads nor saves $FLOWSQL_HOME/catalog.sql (permanent tables, "
                             "views, functions and databases kept between sessions)")
    parser.add_argument("--history", metavar="FILE",
                        help="shell history file (default: $FLOWSQL_HOME/history, ~/.flowsql/history)")
    from flowsql import __version__

    parser.add_argument("--version", action="version", version=f"flowsql {__version__}")
    return parser


def parse_defines(defines: Sequence[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for item in defines:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"-D expects key=value, found '{item}'")
        options[key.strip()] = value.strip()
    return options


def substitute(text: str, variables: dict[str, str]) -> str:
    """Replace ``${key}`` by its -D value; unknown variables stay as they are."""
    return _VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)


def create_environment(options: dict[str, str]) -> Any:
    """A TableEnvironment in the runtime mode the options ask for, with the options set."""
    from flowsql.table import EnvironmentSettings, TableEnvironment

    batch = options.get("execution.runtime-mode", "streaming").strip().lower() == "batch"
    settings = EnvironmentSettings.in_batch_mode() if batch else EnvironmentSettings.in_streaming_mode()
    env = TableEnvironment.create(settings)
    config = env.get_config()
    for key, value in options.items():
        config.set(key, value)
    return env


def run(
    argv: Sequence[str] | None = None,
    *,
    env_factory: EnvFactory | None = None,
    stdout: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """``main`` with its collaborators injectable (tests pass a fake environment and a buffer)."""
    out = stdout or sys.stdout
    stdin = stdin or sys.stdin
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["test"]:
        from flowsql.sql_client.pipeline_test import main as test_main

        return test_main(argv[1:])
    if argv[:1] == ["server"]:
        from flowsql.server.main import main as server_main

        return server_main(argv[1:], env_factory or create_environment)
    if argv[:1] == ["state"]:  # flowsql state inspect <path>: a checkpoint, read-only
        from flowsql.sql_client.state_inspect import main as state_main

        return state_main(argv[1:], out)
    args = build_parser().parse_args(argv)
    try:
        options = parse_defines(args.defines)
    except ValueError as error:
        print(f"flowsql: error: {error}", file=sys.stderr)
        return 2
    if args.recovery_path:
        options["execution.state-recovery.path"] = args.recovery_path

    try:
        script, source = _read_script(args, stdin)
        inits = [(substitute(_read(path), options), path) for path in args.init]
    except OSError as error:
        print(f"[ERROR] Could not read {error.filename}: {error.strerror}", file=out)
        return 1
    if script is not None:
        script = substitute(script, options)
    if args.server:
        if script is None:
            print("flowsql: error: --server needs a job file (-f FILE) or statements (-e SQL)", file=sys.stderr)
            return 2
        from flowsql.sql_client.remote import submit

        return submit(args.server, script, source=source, options=options, token=args.token,
                      attach=args.attach, out=out)

    from flowsql.sql_client.runner import MESSAGE_ERROR, MESSAGE_EXECUTE_FILE, StatementRunner, run_script

    try:
        env = (env_factory or create_environment)(options)
    except Exception as error:  # a bad -D value, most likely
        from flowsql.common.errors import FlowSqlError

        print("[ERROR] Could not create the session. Reason:", file=out)
        print(error if isinstance(error, FlowSqlError) else f"{type(error).__name__}: {error}", file=out)
        return 1

    try:
        for text, path in inits:
            capture = _Capture()
            init_runner = StatementRunner(env, capture, source=path)
            if not run_script(init_runner, text, echo=False):
                out.write(capture.text[capture.text.rfind(MESSAGE_ERROR):])
                return 1
            if not init_runner.wait_for_jobs():
                return 1

        if script is None:
            from flowsql.sql_client.shell import Shell

            catalog = None
            if not args.no_persistent_catalog:
                from flowsql.catalog.persistent import PersistentCatalog

                catalog = PersistentCatalog(env)
            return Shell(env, color=not args.no_color, history_path=args.history, catalog=catalog).run()

        runner = StatementRunner(env, out, source=source)
        if source is not None:
            runner.println(MESSAGE_EXECUTE_FILE)
        ok = run_script(runner, script)
        if not ok:
            runner.cancel_jobs()
            return 130 if runner.interrupted else 1
        if runner.running_jobs and sys.stderr.isatty():
            count = len(runner.running_jobs)
            print(f"[INFO] Waiting for {count} submitted job{'s' if count > 1 else ''} to finish "
                  "(Ctrl-C cancels)...", file=sys.stderr)
        return 0 if runner.wait_for_jobs() else 1
    except KeyboardInterrupt:
        print("\n[INFO] Interrupted.", file=out)
        return 130


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _read_script(args: argparse.Namespace, stdin: TextIO) -> tuple[str | None, str | None]:
    """The statements to run non-interactively and the name errors should cite, if any."""
    if args.file:
        return _read(args.file), args.file
    if args.execute is not None:
        return args.execute, None
    if not stdin.isatty():
        return stdin.read(), "<stdin>"
    return None, None


class _Capture:
    """Keeps an init file's messages out of sight, to show its error if it fails."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``flowsql`` console script."""
    try:
        return run(argv)
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
