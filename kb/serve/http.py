"""The SPARQL 1.1 Protocol's query operation onto ``Gate.answer`` (stdlib ``http.server``), the
checks on who sent a request (Host, Origin, Sec-Fetch-Site), and refusals for everything else:
updates, the Graph Store Protocol, bodies too large or chunked."""

from __future__ import annotations

import logging
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from kb.query import MAX_LENGTH
from kb.serve.formats import Refused, Reply
from kb.serve.process import HOST

if TYPE_CHECKING:
    from kb.serve.gate import Gate

log = logging.getLogger(__name__)

MAX_BODY = 4 * MAX_LENGTH  # bytes of a POST body (a form-encoded query grows up to 3×)
BACKLOG = 128  # connections waiting to be accepted (the stdlib default is 5)
LOCAL_NAMES = ("127.0.0.1", "localhost")  # what a Host header may name (DNS rebinding)
READ_ONLY = "updates are refused: this endpoint is read-only (queries only, on /query)"


def request_problem(host: str | None, origin: str | None, fetch_site: str | None,
                    port: int) -> str | None:  # fmt: skip
    """Why a request may not be served (one line), or ``None``. A web page of another origin
    may send requests here (a form POST needs no CORS): its browser names that origin in
    ``Origin`` and ``Sec-Fetch-Site``; a DNS-rebinding page reaches 127.0.0.1 under its own
    host name, which its browser sends as ``Host``. Clients that are not browsers (curl, the
    ``kb`` commands) send a local Host and no Origin."""
    if host is not None:
        name, _, rest = host.strip().lower().rpartition(":")
        if not name or not rest.isdigit():
            name, rest = host.strip().lower(), ""
        if name not in LOCAL_NAMES or (rest and int(rest) != port):
            return f"Host {host!r} is not this server ({HOST}:{port}): refused"
    if origin is not None and origin.strip().lower() not in {
        f"http://{name}:{port}" for name in LOCAL_NAMES
    }:
        return f"requests from web pages of other origins ({origin!r}) are refused"
    if fetch_site is not None and fetch_site.strip().lower() in ("cross-site", "same-site"):
        return f"requests from web pages of other sites (Sec-Fetch-Site: {fetch_site}) are refused"
    return None


class Server(ThreadingHTTPServer):
    """The gate's listening socket on ``address``: one thread per connection."""

    daemon_threads = True
    request_queue_size = BACKLOG
    allow_reuse_address = True  # SO_REUSEADDR: rebind over TIME_WAIT; on Linux a live
    # listener on the port still makes the bind fail
    gate: Gate

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: tuple) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # the client went away
            log.debug("%s went away", client_address[0])
        else:
            log.exception("request from %s", client_address[0])


class _Handler(BaseHTTPRequestHandler):
    """The SPARQL 1.1 Protocol's query operation, and refusals for everything else."""

    server: Server
    protocol_version = "HTTP/1.1"  # keep-alive: every reply has a Content-Length
    server_version = "Casebook-gate"
    timeout = 60  # seconds an idle connection is kept

    def _foreign(self) -> bool:
        """Refuse (403) a request another site's web page may have sent; True if refused."""
        problem = request_problem(self.headers.get("Host"), self.headers.get("Origin"),
                                  self.headers.get("Sec-Fetch-Site"), self.server.gate.port)  # fmt: skip
        if problem is None:
            return False
        self.close_connection = True  # a body is not read
        self._refusal(Refused(403, problem))
        return True

    def do_GET(self) -> None:
        if self._foreign():
            return
        path, _, query_string = self.path.partition("?")
        if path == "/":
            return self._reply(Reply(200, self.server.gate.help().encode()))
        if path != "/query":
            return self._refuse_path(path, "GET")
        try:
            params = self._params(query_string)
        except Refused as exc:
            return self._refusal(exc)
        self._query(params)

    def do_POST(self) -> None:
        if self._foreign():
            return
        path, _, query_string = self.path.partition("?")
        if path != "/query":
            self.close_connection = True  # the body is not read
            return self._refuse_path(path, "POST")
        try:
            body = self._body()
            media = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            params = self._params(query_string)
            if media == "application/x-www-form-urlencoded":
                params.extend(self._params(body.decode("utf-8")))
            elif media == "application/sparql-query":
                params.append(("query", body.decode("utf-8")))
            elif media == "application/sparql-update":
                raise Refused(403, READ_ONLY)
            else:
                raise Refused(415, "POST a query as application/x-www-form-urlencoded (query=...) "
                                   "or as application/sparql-query")  # fmt: skip
        except UnicodeDecodeError:
            return self._reply(Reply(400, b"the query is not UTF-8\n"))
        except Refused as exc:
            return self._refusal(exc)
        self._query(params)

    def do_PUT(self) -> None:
        self._refuse_write()

    def do_DELETE(self) -> None:
        self._refuse_write()

    def do_PATCH(self) -> None:
        self._refuse_write()

    def _refuse_write(self) -> None:
        if self._foreign():
            return
        self.close_connection = True  # the body is not read
        self._refusal(Refused(405, READ_ONLY, {"Allow": "GET, POST"}))

    def _refuse_path(self, path: str, method: str) -> None:
        if path == "/update":
            return self._refusal(Refused(403, READ_ONLY))
        if path == "/store" or path.startswith("/store/"):
            if method == "GET":
                return self._refusal(Refused(403, "the Graph Store Protocol is not served (a "
                    "dump would bypass the row cap): use CONSTRUCT on /query"))  # fmt: skip
            return self._refusal(Refused(405, READ_ONLY, {"Allow": "GET, POST"}))
        return self._refusal(Refused(404, f"no {path} here: queries go to /query (GET / for help)"))

    def _query(self, params: list[tuple[str, str]]) -> None:
        try:
            if any(name == "update" for name, _ in params):
                raise Refused(403, READ_ONLY)
            queries = [value for name, value in params if name == "query"]
            if len(queries) != 1:
                raise Refused(400, "give exactly one query (query=...); GET / for help")
            dataset = [(n, v) for n, v in params if n in ("default-graph-uri", "named-graph-uri")]
            reply = self.server.gate.answer(queries[0], dataset, self.headers.get("Accept"))
        except Refused as exc:
            return self._refusal(exc)
        except Exception:  # a bug in the gate: say so, keep serving
            log.exception("answering %r", self.path[:200])
            return self._reply(Reply(500, b"internal error in the gate (logged)\n"))
        self._reply(reply)

    def _params(self, text: str) -> list[tuple[str, str]]:
        try:
            return urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=100,
                                          errors="strict")  # fmt: skip
        except (ValueError, UnicodeDecodeError) as exc:
            raise Refused(400, f"malformed parameters: {exc}") from exc

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            raise Refused(411, "send the body with a Content-Length")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            raise Refused(413, f"request body too large (the limit is {MAX_BODY} bytes)")
        return self.rfile.read(length)

    def _refusal(self, exc: Refused) -> None:
        message = str(exc).rstrip() + "\n"
        self._reply(Reply(exc.status, message.encode("utf-8"), headers=exc.headers))

    def _reply(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def version_string(self) -> str:
        return self.server_version

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors of ``http.server`` itself (bad request line, unknown method) as plain text."""
        self.close_connection = True
        text = message or self.responses.get(code, ("error",))[0]
        self._reply(Reply(code, (text + "\n").encode("utf-8", "replace")))

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)
