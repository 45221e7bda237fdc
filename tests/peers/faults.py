"""A fault-injecting HTTP/1.1 reverse proxy for tests, standard library only.

``FaultyProxy(upstream)`` listens on 127.0.0.1 and forwards every request's path unchanged to the upstream
host, so ``proxy.url`` has the same path as ``upstream`` (give a client ``proxy.url`` where it would have had
the upstream URL). Its ``mode`` can be switched at any time, also while a client is connected:

- ``"pass"``: forward method, path, query, headers (Authorization included), body; answer with the upstream's
  status, headers and body (502 if the upstream cannot be reached);
- ``"down"``: read the request, then close the connection without answering, as a crashed server would;
- ``"error500"``: answer 500 without forwarding;
- ``"slow"``: wait ``delay`` seconds (default 5), then answer 504 without forwarding, so a client with a
  shorter timeout sees a timeout;
- ``"lost_answer"``: forward like ``"pass"``, then close the connection without answering: the upstream has
  acted (stored the statements) but the client sees a connection error, as when a server dies or the network
  drops between processing and answering; the client's retry must not duplicate anything;
- ``"hold"``: forward like ``"pass"``, then wait ``delay`` seconds before answering: the upstream has acted
  while the client still waits, the moment to kill a client that must not lose or duplicate anything.

Counters: ``seen[mode]`` (requests received in each mode) and ``forwarded`` (requests that reached upstream).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

MODES = ("pass", "down", "error500", "slow", "lost_answer", "hold")
# Hop-by-hop headers (RFC 9110 section 7.6.1) are the proxy's own business and are not forwarded.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


class FaultyProxy:
    def __init__(self, upstream: str, *, mode: str = "pass", delay: float = 5.0, upstream_timeout: float = 60.0):
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"FaultyProxy forwards to an http:// URL, not {upstream!r}")
        self.upstream = upstream
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.upstream_path = parts.path or "/"
        self.upstream_timeout = upstream_timeout
        self.delay = delay
        self.mode = mode
        self.seen: Counter[str] = Counter()
        self.forwarded = 0
        # Statement ids in the bodies of POSTs that reached the upstream: how often each was really sent.
        self.posted_ids: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError(f"unknown mode {value!r}: one of {', '.join(MODES)}")
        self._mode = value

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the proxy is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The proxy's URL for the upstream URL it was given (same path)."""
        return f"http://127.0.0.1:{self.port}{self.upstream_path}"

    @property
    def seen_total(self) -> int:
        with self._lock:
            return sum(self.seen.values())

    def reset_counters(self) -> None:
        with self._lock:
            self.seen.clear()
            self.forwarded = 0
            self.posted_ids.clear()

    def start(self, port: int = 0) -> FaultyProxy:
        if self._server is not None:
            raise RuntimeError("the proxy is already started")
        self._stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="faulty-proxy", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes "slow" handlers
        server.shutdown()
        server.server_close()
        with self._lock:  # idle keep-alive connections: end their handler threads
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> FaultyProxy:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _count_statements(self, body: bytes) -> None:
        try:
            document = json.loads(body)
        except ValueError:
            return
        statements = document if isinstance(document, list) else [document]
        with self._lock:
            self.posted_ids.update(str(item.get("id")) for item in statements if isinstance(item, dict))

    def _count(self, mode: str, forwarded: bool = False) -> None:
        with self._lock:
            self.seen[mode] += 1
            if forwarded:
                self.forwarded += 1


def _handler_for(proxy: FaultyProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(_ProxyHandler):
        pass

    Handler.proxy = proxy
    return Handler


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120  # an idle keep-alive connection is dropped after this
    proxy: FaultyProxy

    def setup(self) -> None:
        super().setup()
        with self.proxy._lock:
            self.proxy._connections.add(self.connection)

    def finish(self) -> None:
        with self.proxy._lock:
            self.proxy._connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _handle(self) -> None:
        proxy = self.proxy
        mode = proxy.mode
        body = self._read_body()
        if mode == "down":
            proxy._count(mode)
            self.close_connection = True
            return
        if mode == "error500":
            proxy._count(mode)
            self._answer(500, {"detail": "injected fault: internal server error"})
            return
        if mode == "slow":
            proxy._count(mode)
            proxy._stopping.wait(proxy.delay)
            self._answer(504, {"detail": f"injected fault: no answer within {proxy.delay} s"})
            return
        self._forward(mode, body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _forward(self, mode: str, body: bytes | None) -> None:
        proxy = self.proxy
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        connection = http.client.HTTPConnection(
            proxy.upstream_host, proxy.upstream_port, timeout=proxy.upstream_timeout
        )
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as error:
            proxy._count(mode)
            self._answer(502, {"detail": f"upstream {proxy.upstream} unreachable: {error}"})
            return
        finally:
            connection.close()
        proxy._count(mode, forwarded=True)
        if self.command == "POST" and body:
            proxy._count_statements(body)
        if mode == "hold":
            proxy._stopping.wait(proxy.delay)
        if mode == "lost_answer":
            self.close_connection = True
            return
        self.send_response_only(response.status, response.reason)
        no_body = self.command == "HEAD" or response.status in (204, 304) or response.status < 200
        for name, value in response.getheaders():
            lower = name.lower()
            if lower in HOP_BY_HOP or (lower == "content-length" and self.command != "HEAD"):
                continue
            self.send_header(name, value)
        if not no_body:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if not no_body:
            self.wfile.write(payload)

    def _answer(self, status: int, document: dict) -> None:
        payload = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
