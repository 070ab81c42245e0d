"""Starting and stopping the real processes of the whole-stack test on 127.0.0.1: a fresh
PostgreSQL database, a Redis server of the test's own (on a free port: the shared one is
never stopped), gunicorn, a Celery worker and beat, an SMTP server that keeps every mail,
and a TCP relay that can cut the path to a server and restore it."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

import psycopg
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("STACK_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def postgres_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def redis_available() -> bool:
    return shutil.which("redis-server") is not None


# --------------------------------------------------------------------------- the database

@contextlib.contextmanager
def fresh_database():
    """A new, empty database for this run (dropped at the end); yields its URL."""
    name = f"sd_stack_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------- processes

@dataclass
class Stack:
    """The environment every process of the stack shares, and the processes started."""

    env: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, args: list[str], **extra_env: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(args, cwd=ROOT, env={**self.env, **extra_env}, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def run(self, args: list[str], timeout: float = 180) -> str:
        result = subprocess.run(args, cwd=ROOT, env=self.env, capture_output=True, text=True,
                                timeout=timeout, check=False)
        if result.returncode:
            raise RuntimeError(f"{args} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def data(self, command: str, *args: str) -> dict:
        out = self.run([sys.executable, "tests/stack/stack_data.py", command, *args])
        return json.loads(out.strip().splitlines()[-1])

    def gunicorn(self, name: str, port: int, workers: int = 1) -> subprocess.Popen:
        process = self.start(name, [str(BIN / "gunicorn"), "--config", "config/gunicorn.conf.py"],
                             GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(workers),
                             GUNICORN_PROC_NAME=f"stack-{name}")
        wait_for(lambda: http_ok(port, "/healthz"), f"{name} on port {port}", process)
        return process

    def worker(self, name: str = "worker") -> subprocess.Popen:
        return self.start(name, [str(BIN / "celery"), "--app", "config", "worker",
                                 "--loglevel", "INFO", "--concurrency", "2",
                                 "--hostname", f"{name}@stack-{uuid.uuid4().hex[:6]}",
                                 "--without-mingle", "--without-gossip"])

    def beat(self) -> subprocess.Popen:
        return self.start("beat", [str(BIN / "celery"), "--app", "config", "beat",
                                   "--loglevel", "INFO",
                                   "--schedule", str(self.logs / "celerybeat-schedule")])

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        # Anything left in the groups (a pool child that outlived its parent).
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def wait_for(condition, what: str, process: subprocess.Popen | None = None,
             timeout: float = 60, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}")
        time.sleep(interval)
    raise TimeoutError(f"waited {timeout:.0f} s for {what}")


def http_ok(port: int, path: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as r:
            return r.status == 200
    except OSError:
        return False


def http_json(port: int, path: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# --------------------------------------------------------------------------- Redis

class Redis:
    """A redis-server of the test's own on ``port`` (no persistence), stoppable."""

    def __init__(self, port: int, logs: Path):
        self.port = port
        self.logs = logs
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = (self.logs / "redis.log").open("ab")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.logs)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: port_open(self.port), f"redis on {self.port}", self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


# --------------------------------------------------------------------------- a TCP relay

class Relay:
    """Forwards 127.0.0.1:``port`` to ``target``; ``cut()`` closes the listener and every
    connection (the server looks down), ``restore()`` listens again on the same port."""

    def __init__(self, target: int):
        self.port = free_port()
        self.target = target
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def restore(self) -> None:
        self._stop.clear()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._thread = threading.Thread(target=self._serve, args=(listener,), daemon=True)
        self._thread.start()

    def cut(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    s.close()
            self._sockets.clear()

    def _serve(self, listener: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ)
        peers: dict[socket.socket, socket.socket] = {}
        try:
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.1):
                    sock = key.fileobj
                    if sock is listener:
                        client, _ = listener.accept()
                        try:
                            upstream = socket.create_connection(("127.0.0.1", self.target), 5)
                        except OSError:
                            client.close()
                            continue
                        peers[client], peers[upstream] = upstream, client
                        with self._lock:
                            self._sockets |= {client, upstream}
                        selector.register(client, selectors.EVENT_READ)
                        selector.register(upstream, selectors.EVENT_READ)
                        continue
                    try:
                        chunk = sock.recv(65536)
                    except OSError:
                        chunk = b""
                    other = peers.get(sock)
                    if chunk and other is not None:
                        try:
                            other.sendall(chunk)
                            continue
                        except OSError:
                            pass
                    for s in (sock, other):
                        if s is not None:
                            with contextlib.suppress(KeyError, ValueError):
                                selector.unregister(s)
                            peers.pop(s, None)
                            s.close()
        finally:
            for s in list(peers):
                with contextlib.suppress(OSError):
                    s.close()
            listener.close()
            selector.close()


# --------------------------------------------------------------------------- SMTP

class Mailbox:
    """An SMTP server (aiosmtpd) on a free port keeping every message it accepts."""

    def __init__(self):
        self.port = free_port()
        self.messages: list = []
        self._lock = threading.Lock()
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = message_from_bytes(envelope.original_content or envelope.content,
                                             policy=policy.default)
                with outer._lock:
                    outer.messages.extend((rcpt, message) for rcpt in envelope.rcpt_tos)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def received(self) -> list[tuple[str, str, str]]:
        """(recipient, subject, X-Request-ID) of every message so far."""
        with self._lock:
            return [(rcpt, str(m["Subject"]), str(m["X-Request-ID"] or ""))
                    for rcpt, m in self.messages]
