"""A real HTTP receiver for webhook tests and the bench: http.server in a thread on 127.0.0.1.

It checks nothing by itself: it records every request (time, headers, raw body) and answers from
a script of (status, delay) steps — the last step repeats — so a test can make it fail, hang or
succeed and then check what arrived.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    at: float
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    script: list = field(default_factory=lambda: [(200, 0.0)])
    received: list = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def start(self) -> Receiver:
        receiver = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    receiver.received.append(Received(time.monotonic(), self.path, dict(self.headers), body))
                    step = receiver.script[min(len(receiver.received), len(receiver.script)) - 1]
                status, delay = step
                if delay:
                    time.sleep(delay)
                text = b"ok" if status < 300 else b"receiver trouble"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
