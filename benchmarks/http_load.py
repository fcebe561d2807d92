"""Load on a local server: ``clients`` threads asking for one address as fast as they
can for a given time (127.0.0.1 only), for the benchmarks that measure requests per second."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


def requests_per_second(
    port: int, path: str, *, seconds: float, clients: int, headers: dict[str, str] | None = None,
    good: Callable[[int, bytes], bool] = lambda status, body: status == 200,
) -> tuple[float, list[float]]:
    """Requests per second the clients get in ``seconds``, and each answer's time. The
    first answer ``good`` refuses stops the run with an error naming it."""
    stop = time.perf_counter() + seconds
    counts = [0] * clients
    latencies: list[float] = []
    errors: list[str] = []
    sent = {"Accept-Encoding": "identity", **(headers or {})}

    def client(i: int) -> None:
        while time.perf_counter() < stop and not errors:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                started = time.perf_counter()
                conn.request("GET", path, headers=sent)
                response = conn.getresponse()
                body = response.read()
                if not good(response.status, body):
                    errors.append(f"{response.status} {body[:200]!r}")
                    return
                latencies.append(time.perf_counter() - started)
                counts[i] += 1
            finally:
                conn.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise RuntimeError(f"{path} answered {errors[0]}")
    return sum(counts) / (time.perf_counter() - started), latencies


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 256


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


def threaded_server(app, port: int = 0) -> WSGIServer:
    """A threaded stdlib WSGI server for ``app`` on 127.0.0.1 (``port`` 0: any free
    one, then ``server.server_address[1]``), quiet; ``serve_forever`` it, or use it as
    a context manager to close it."""
    return make_server("127.0.0.1", port, app, server_class=_ThreadedServer, handler_class=_QuietHandler)
