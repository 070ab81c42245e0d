"""A stand-in for a certified e-invoicing provider, served on 127.0.0.1 by the test run.

It speaks the generic adapter's API (docs/einvoicing.md "The provider API"), validates what
it receives with the same official validators as the sender (``documents.validate_xml``),
and answers like a provider: a registration with ΜΑΡΚ, UID, authentication code and QR
URL; the validation errors of a document it will not register; or, for a timeout, the
answer held back longer than the client waits. It remembers idempotency keys: a repeat of
a key gets the first registration back, and ``registrations`` counts the documents it
registered (what "registered exactly once" is measured by).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from supportdesk.einvoicing import documents

MARK_BASE = 400001234500000
TOKEN = "stand-in-secret-token"


@dataclass
class Received:
    method: str
    path: str
    key: str
    headers: dict
    body: bytes
    problems: list = field(default_factory=list)


class StandIn:
    """The provider's state; each ``mode`` is what the next documents meet:

    ``ok``: validate, register, answer 201. ``reject``: answer 422 with the validator's
    problems, or (the document being valid) a business rule of the provider's own (the
    counterpart's ΑΦΜ unknown to the tax registry). ``slow``: register, then hold the answer
    ``delay`` seconds (longer than the client's deadline). ``lost``: hold the answer and
    register nothing (as if the request never arrived). ``times`` limits a mode to the next
    n documents, then it is back to ``ok``.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.registered: dict[str, dict] = {}   # idempotency key -> registration
        self.cancelled: set[str] = set()
        self.received: list[Received] = []
        self.registrations = 0
        self.mode = "ok"
        self.times: int | None = None
        self.delay = 2.5
        self.latency = 0.0  # seconds every document waits before it is looked at
        self.cancel_allowed = True
        self.url = ""

    def next_mode(self) -> str:
        with self.lock:
            mode = self.mode
            if self.times is not None:
                self.times -= 1
                if self.times <= 0:
                    self.mode, self.times = "ok", None
            return mode

    def register(self, key: str) -> dict:
        with self.lock:
            if key not in self.registered:
                self.registrations += 1
                n = self.registrations
                self.registered[key] = {
                    "status": "registered", "mark": str(MARK_BASE + n),
                    "uid": f"{n:08X}" + "A" * 32,
                    "authentication_code": f"AUTH{n:06d}",
                    "qr_url": f"https://provider.example/v/{key}",
                }
            return self.registered[key]

    def sends(self) -> list[Received]:
        return [r for r in self.received if r.method == "POST" and r.path == "/documents"]


def _handler(state: StandIn):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _answer(self, status: int, data: dict) -> None:
            body = json.dumps(data, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up waiting (the timeout case)
                pass

        def _path(self) -> str:
            return self.path.removeprefix("/v1")

        def _read(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") == f"Bearer {TOKEN}":
                return True
            self._answer(401, {"status": "error", "errors": [
                {"code": "401", "message": "bad credentials"}]})
            return False

        def _record(self, body: bytes, problems=()) -> Received:
            received = Received(self.command, self._path(), self.headers.get("Idempotency-Key", ""),
                                dict(self.headers), body, list(problems))
            with state.lock:
                state.received.append(received)
            return received

        def do_POST(self) -> None:
            body = self._read()
            if not self._authorised():
                return
            time.sleep(state.latency)
            key = self.headers.get("Idempotency-Key", "")
            if self._path() == "/documents":
                fmt = self.headers.get("X-Document-Format", "mydata")
                problems = documents.validate_xml(body, fmt)
                self._record(body, problems)
                if not key:
                    self._answer(400, {"status": "rejected", "errors": [
                        {"code": "400", "message": "Idempotency-Key is required"}]})
                    return
                if key in state.registered:  # a repeat: the first registration again
                    self._answer(200, state.registered[key])
                    return
                mode = state.next_mode()
                if problems:
                    self._answer(422, {"status": "rejected", "errors": [
                        {"code": "XSD", "field": p.field, "message": p.message}
                        for p in problems]})
                elif mode == "reject":
                    self._answer(422, {"status": "rejected", "errors": [
                        {"code": "102", "field": "counterpart.vatNumber",
                         "message": "Ο ΑΦΜ του λήπτη δεν είναι καταχωρισμένος στο Μητρώο"}]})
                elif mode == "slow":
                    registration = state.register(key)
                    time.sleep(state.delay)
                    self._answer(201, registration)
                elif mode == "lost":
                    time.sleep(state.delay)
                    self._answer(503, {"status": "error"})
                else:
                    self._answer(201, state.register(key))
                return
            self._record(body)
            parts = self._path().strip("/").split("/")
            if len(parts) == 3 and parts[0] == "documents" and parts[2] == "cancel":
                if parts[1] not in state.registered:
                    self._answer(404, {"status": "unknown"})
                elif not state.cancel_allowed:
                    self._answer(409, {"status": "error", "errors": [
                        {"code": "CANCEL", "message": "Η ακύρωση δεν επιτρέπεται: "
                         "έχει ήδη διαβιβαστεί στον λήπτη"}]})
                else:
                    state.cancelled.add(parts[1])
                    self._answer(200, {"status": "cancelled"})
                return
            self._answer(404, {"status": "unknown"})

        def do_GET(self) -> None:
            if not self._authorised():
                return
            self._record(b"")
            parts = self._path().strip("/").split("/")
            if len(parts) == 2 and parts[0] == "documents":
                key = parts[1]
                if key in state.cancelled:
                    self._answer(200, {"status": "cancelled"})
                elif key in state.registered:
                    self._answer(200, state.registered[key])
                else:
                    self._answer(404, {"status": "unknown"})
                return
            self._answer(404, {"status": "unknown"})

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True


def serve() -> tuple[StandIn, _Server]:
    state = StandIn()
    server = _Server(("127.0.0.1", 0), _handler(state))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    return state, server
