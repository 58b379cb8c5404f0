"""The job server over HTTP: the standard library's ``ThreadingHTTPServer``, one thread a request.

``/v1/...`` goes to the ``JobServerApi``; ``/`` and ``/static/<file>`` serve the web UI from the
package's ``static/`` folder. The UI's files hold no data and are served without the token: the
page reads the token from its address (``/#token=...``, a fragment browsers never send) and puts
it on every API request it makes, so the API itself is never open.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from flowsql.server.api import JobServerApi, Response, error_response

MAX_BODY_BYTES = 16 * 1024 * 1024
_STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


def static_file(name: str) -> Response | None:
    """A file of the web UI by its name in ``static/`` (no sub-folders, no '..'), or None."""
    if "/" in name or name.startswith("."):
        return None
    suffix = name[name.rfind("."):] if "." in name else ""
    if suffix not in _STATIC_TYPES:
        return None
    resource = resources.files("flowsql.server").joinpath("static", name)
    if not resource.is_file():
        return None
    return Response(200, resource.read_bytes(), _STATIC_TYPES[suffix], {"Cache-Control": "no-cache"})


class _Handler(BaseHTTPRequestHandler):
    api: JobServerApi  # set on the subclass made by ``make_server``
    server_version = "flowsql"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        path = self.path.split("?", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            self._send(error_response(413, f"the request body is over {MAX_BODY_BYTES} bytes"))
            return
        body = self.rfile.read(length) if length else b""
        if method == "GET" and (path == "/" or path.startswith("/static/")):
            found = static_file("index.html" if path == "/" else path[len("/static/"):])
            self._send(found or error_response(404, f"no such file: {path}"))
            return
        try:
            response = self.api.handle(method, self.path, self.headers, body)
        except Exception as error:  # noqa: BLE001 - a server bug must not drop the connection silently
            response = error_response(500, f"{type(error).__name__}: {error}",
                                      hint="this looks like a flowsql bug; please report it")
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args) -> None:
        pass  # requests are not logged: a polling UI would flood the terminal


def make_server(api: JobServerApi, host: str = "127.0.0.1", port: int = 8081) -> ThreadingHTTPServer:
    """A bound server (port 0 picks a free one: ``server.server_address[1]``); call ``serve_forever``."""
    handler = type("JobServerHandler", (_Handler,), {"api": api})
    server_class = ThreadingHTTPServer
    if ":" in host:  # an IPv6 address such as ::1
        server_class = type("ThreadingHTTPServer6", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6})
    server = server_class((host, port), handler)
    server.daemon_threads = True
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Serve from a daemon thread (tests, notebooks); ``server.shutdown()`` stops it."""
    thread = threading.Thread(target=server.serve_forever, name="flowsql-server", daemon=True)
    thread.start()
    return thread
