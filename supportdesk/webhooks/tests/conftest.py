"""A real HTTP receiver on 127.0.0.1 (``http.server`` in a thread) that answers from a
script and keeps every request, and a helper to subscribe it."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from supportdesk.notifications.announcements import Happening
from supportdesk.webhooks.services import subscription_create


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    # Answers to give, in order: (status, body, headers); then 200 "ok".
    script: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    delay: float = 0.0   # seconds to wait before answering
    drip: float = 0.0    # seconds between the bytes of the answer's body

    def answer(self, status: int, body: str = "", headers: dict[str, str] | None = None):
        self.script.append((status, body, headers or {}))


@pytest.fixture
def receiver():
    state = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                state.requests.append(Received(self.path, dict(self.headers.items()), body))
                status, text, headers = state.script.pop(0) if state.script else (200, "ok", {})
            time.sleep(state.delay)
            data = text.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if not state.drip:
                self.wfile.write(data)
                return
            try:
                for byte in data:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(state.drip)
            except OSError:
                pass  # the client gave up, as it should

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.handle_error = lambda request, address: None  # a client that gave up (timeouts)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/supportdesk"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def subscribe(manager):
    """Subscribe a URL to some events (all by default); returns (subscription, secret)."""

    def make(url: str, events=None, customer=None, name: str = "ERP"):
        return subscription_create(by=manager, name=name, url=url,
                                   events=events or list(Happening.values), customer=customer)

    return make
