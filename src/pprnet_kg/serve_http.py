"""The HTTP side of `pprnet-kg serve`: uvicorn (HTTP/1.1 parsed by httptools, llhttp) running our
ASGI app, with the limits uvicorn leaves to the application.

- a request head (request line and headers) over `HEAD_LIMIT` bytes gets 431 and the connection is
  closed; the bytes kept for a head in progress never pass that limit by more than one read;
- a request must arrive whole (head and body) within `deadline` seconds of the connection being
  ready for it, else the connection is closed (408 when the head was not complete): a client that
  dribbles its request (slowloris) holds a connection for that long at most; an idle keep-alive
  connection is closed after `KEEP_ALIVE` seconds;
- while `CONNECTIONS` connections are open, a request gets 503 with Retry-After and its
  connection is closed (uvicorn's limit_concurrency, with the answer a full queue gets);
- Content-Length is parsed strictly by llhttp (a sign, a second value, trailing text: 400);
- a client that closes its connection while its query runs has the query stopped (see
  `WorkerPool.run`; the app watches the `GONE` future the protocol puts in each request's
  scope): half-closing the socket counts as going away, as in uvicorn.
"""

from __future__ import annotations

import logging
import socket
import threading
import urllib.parse

HEAD_LIMIT = 64 * 1024
KEEP_ALIVE = 5  # seconds an idle connection stays open
CONNECTIONS = 1000  # open connections (this one included) from which requests get 503 and Retry-After
GONE = "pprnet.gone"  # the scope extension: a future that completes when the client has gone away


def parse_qs(text: str) -> dict[str, list[str]]:
    """What `urllib.parse.parse_qs(text, keep_blank_values=True)` returns (a query string or a
    form body), with its percent-escapes decoded in C when that gives the same text: a query sent
    in a URL has a hundred escapes or more, and urllib decodes them one by one in Python."""
    out: dict[str, list[str]] = {}
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            out.setdefault(unquote_plus(name), []).append(unquote_plus(value))
    return out


def unquote_plus(text: str) -> str:
    """`urllib.parse.unquote_plus(text)`. Percent-escapes are quoted-printable escapes with "%" for
    "=", so binascii.a2b_qp decodes them; it reads "=" and line ends its own way, so text holding
    either, and non-ASCII text, go to urllib; so does text with a "%" that starts no escape, which
    shows in the length (every escape is three characters that become one byte; a2b_qp keeps,
    drops or pairs up the "=" of a broken one, never taking three characters for it)."""
    import binascii

    if "%" not in text:
        return text.replace("+", " ")
    if "=" in text or "\n" in text or "\r" in text or not text.isascii():
        return urllib.parse.unquote_plus(text)
    decoded = binascii.a2b_qp(text.replace("+", " ").replace("%", "="))
    if len(decoded) != len(text) - 2 * text.count("%"):  # some "%" started no escape (3 characters, 1 byte)
        return urllib.parse.unquote_plus(text)
    return decoded.decode("utf-8", "replace")


def _protocol_class(deadline: float):
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class LimitedProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol with a head size limit and a whole-request deadline."""

        def connection_made(self, transport) -> None:
            self._head_bytes = 0  # bytes received while a head is in progress (bounds memory)
            self._head_size = 0  # the head's size as parsed (request line and headers)
            self._in_head = True
            self._deadline = None
            self._crowded = False  # CONNECTIONS were open when this connection's request came
            # completes when the client goes away; every request on the connection may watch it
            # (the app finds it in scope["extensions"]), so a query nobody waits for is stopped
            self._gone = self.loop.create_future()
            super().connection_made(transport)
            self._arm()

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(deadline, self._too_slow)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
            if self.transport.is_closing():
                return
            cycle = self.cycle
            if cycle is not None and not cycle.response_complete and not cycle.more_body:
                return  # the request is in and being answered; the query has its own time limit
            if self._in_head:
                self._refuse(408, "the request did not arrive in time")
            else:
                self.transport.close()  # mid-body: the app sees the client gone

        def _refuse(self, status: int, message: str) -> None:
            reason = {408: "Request Timeout", 431: "Request Header Fields Too Large", 503: "Service Unavailable"}[status]
            body = (message + "\n").encode()
            retry = "retry-after: 1\r\n" if status == 503 else ""
            self.transport.write(f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
                                 f"content-length: {len(body)}\r\n{retry}connection: close\r\n\r\n".encode() + body)
            self.transport.close()

        def data_received(self, data: bytes) -> None:
            import httptools

            if self._in_head:
                self._head_bytes += len(data)
            self._unset_keepalive_if_required()
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError:
                if self._crowded:
                    return self._refuse(503, f"this server has {CONNECTIONS} connections open; try again shortly")
                if self._head_size > HEAD_LIMIT:
                    return self._refuse(431, f"request line and headers over {HEAD_LIMIT // 1024} KiB")
                return self.send_400_response("Invalid HTTP request received.")
            except httptools.HttpParserUpgrade:
                return self.send_400_response("Upgrade is not supported.")
            if self._in_head and self._head_bytes > HEAD_LIMIT and not self.transport.is_closing():
                self.parser = None  # stop buffering: httptools keeps a header in progress in memory
                self._refuse(431, f"request line and headers over {HEAD_LIMIT // 1024} KiB")

        def on_message_begin(self) -> None:
            self._in_head = True
            self._head_size = 0
            super().on_message_begin()
            self.scope["extensions"] = {GONE: self._gone}

        def on_url(self, url: bytes) -> None:
            self._head_size += len(url)
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._head_size += len(name) + len(value) + 4
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            if self._head_size > HEAD_LIMIT:  # a head that came whole in one read
                raise ValueError("head too large")  # stops the parser; data_received answers 431
            # uvicorn's own limit_concurrency check, answered as a full queue is (503, Retry-After)
            self._crowded = len(self.connections) >= CONNECTIONS or len(self.tasks) >= CONNECTIONS
            if self._crowded:
                raise ValueError("too many connections")  # data_received answers 503
            self._in_head = False
            self._head_bytes = 0
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._disarm()
            self._in_head = True  # whatever comes next is the head of the next request
            super().on_message_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            if not self._gone.done():
                self._gone.set_result(None)
            super().connection_lost(exc)

    return LimitedProtocol


class Server:
    """uvicorn serving `app` on an already bound socket; `serve_forever` blocks until `shutdown`.

    With `processes` above 1, as many copies of this process (forked when serving starts) answer
    on the same socket, each with its own event loop; `on_fork` runs first in each copy (to start
    its own query workers). A copy dies with the thread that forked it and is stopped with it."""

    def __init__(self, app, sock: socket.socket, *, deadline: float, on_close=None, processes: int = 1,
                 on_fork=None) -> None:
        self.app = app
        self.socket = sock
        self.deadline = deadline
        self.processes = processes
        self._on_close = on_close
        self._on_fork = on_fork
        self._uvicorn = None
        self._copies: list = []
        self._stopped = threading.Event()
        self._stopped.set()

    @property
    def server_address(self):
        return self.socket.getsockname()

    def fileno(self) -> int:
        return self.socket.fileno()

    def serve_forever(self) -> None:
        import multiprocessing

        import uvicorn  # noqa: F401  imported before forking, so no copy imports it (or finds a lock held)
        from uvicorn.protocols.http import httptools_impl  # noqa: F401

        self._stopped.clear()
        try:
            ctx = multiprocessing.get_context("fork")
            self._copies = [ctx.Process(target=self._copy) for _ in range(self.processes - 1)]
            for copy in self._copies:
                copy.start()
            self._serve()
        finally:
            self._stop_copies()
            self._stopped.set()

    def _copy(self) -> None:
        from .sparql.workers import die_with_parent

        die_with_parent()
        if self._on_fork is not None:
            self._on_fork()
        try:
            self._serve()
        finally:
            if self._on_close is not None:
                self._on_close()

    def _serve(self) -> None:
        import uvicorn

        logging.getLogger("uvicorn.error").setLevel(logging.ERROR)  # no line per refused request
        config = uvicorn.Config(self.app, http=_protocol_class(self.deadline), lifespan="off", ws="none", access_log=False,
                                log_config=None, proxy_headers=False, server_header=False,
                                timeout_keep_alive=KEEP_ALIVE,
                                timeout_graceful_shutdown=2, backlog=2048)
        self._uvicorn = uvicorn.Server(config)
        self._uvicorn.run(sockets=[self.socket])

    def _stop_copies(self) -> None:
        for copy in self._copies:
            if copy.is_alive():
                copy.terminate()  # uvicorn in the copy stops on SIGTERM, as here
        for copy in self._copies:
            copy.join(5)
            if copy.is_alive():
                copy.kill()
                copy.join(1)
        self._copies = []

    def shutdown(self) -> None:
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        self._stopped.wait(10)

    def server_close(self) -> None:
        self.socket.close()
        if self._on_close is not None:
            self._on_close()
