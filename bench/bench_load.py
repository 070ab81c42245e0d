"""Load benchmark (issue 11): gunicorn on PostgreSQL holding the 1,000,000-request data set.

    .venv/bin/python bench/bench_load.py [--users 8] [--seconds 20] [--workers 1,2]

The data set is the desk benchmark's (``bench/bench_desk.py`` fills ``sd_bench_desk``:
1,000,000 requests, 5,000,000 work entries; it is filled here first when missing, which
takes a few minutes, and reused after). Then for each worker count gunicorn is started on a
free port on 127.0.0.1 with ``config/gunicorn.conf.py`` and the production settings (Redis
cache on database 13, JSON request logs to a file, staff MFA off so that the technician's
session can be made directly), and Locust (headless, ``--users`` users, no wait between
requests: a closed loop as fast as the server answers) hits one page at a time for
``--seconds`` seconds after a warm-up: the queue (``/desk/``), a ticket page and the API
ticket list (``/api/v1/tickets/``, with a read-scope Bearer token), as a technician.
Printed per page and worker count:
requests per second, p50 and p95 in milliseconds, failures.

Targets (2-core machine): p95 < 250 ms at 8 users; >= 30 queue pages/s with 2 workers.
The locust process runs this file as its locustfile (the classes below).
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL",
                              "postgres://postgres@127.0.0.1:5432/sd_bench_desk")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13")
BIN = Path(sys.executable).parent

PAGES = {
    "queue": "/desk/",
    "ticket": "/desk/tickets/{ticket}/",
    "api-tickets": "/api/v1/tickets/",
}

# ----------------------------------------------------------------------------- locustfile
# Imported by the locust process (``locust -f bench/bench_load.py``): the page to load and
# the session cookie come from the environment the main process sets.

if os.environ.get("BENCH_LOAD_PATH"):
    from locust import HttpUser, constant, task

    class DeskUser(HttpUser):
        wait_time = constant(0)

        def on_start(self):
            # The API as machines use it: a Bearer token, no session (issue 12).
            if os.environ["BENCH_LOAD_PATH"].startswith("/api/"):
                self.client.headers["Authorization"] = f"Bearer {os.environ['BENCH_LOAD_TOKEN']}"
            else:
                self.client.cookies.set("sessionid", os.environ["BENCH_LOAD_SESSION"])

        @task
        def page(self):
            with self.client.get(os.environ["BENCH_LOAD_PATH"], name=os.environ["BENCH_LOAD_NAME"],
                                 allow_redirects=False, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")


# ----------------------------------------------------------------------------- the run

def server_env(workers: int) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "bench-load-" + "not-a-secret-" * 4,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": DATABASE_URL,
        "CACHE_URL": CACHE_URL,
        "CELERY_BROKER_URL": "",
        "SUPPORTDESK_STAFF_MFA": "off",
        "SUPPORTDESK_DATA_DIR": str(Path(tempfile.gettempdir()) / "sd-bench-load"),
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_MAX_REQUESTS": "0",
        "SUPPORTDESK_API_RATE": "1000000/m",  # the benchmark, not the rate limit
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare() -> tuple[str, int, str]:
    """The data set (filled when missing), migrations, static files; a technician's session
    key and the ticket to load."""
    # The server's settings (its SECRET_KEY signs the session made here).
    os.environ.update(server_env(1))
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT))
    import bench_desk

    bench_desk.ensure_database(DATABASE_URL)
    bench_desk.setup_django()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    bench_desk.fill(1_000_000, 5_000_000)  # skips whatever is already filled
    from supportdesk.accounts.models import User
    from supportdesk.tickets.models import Ticket

    tech = User.objects.get(username="bench-tech7")
    session = SessionStore()
    session[SESSION_KEY] = str(tech.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = tech.get_session_auth_hash()
    session.set_expiry(24 * 3600)
    session.create()
    ticket = Ticket.objects.filter(status="open").order_by("response_due_at").first()
    from supportdesk.api.models import ApiToken
    from supportdesk.api.services import api_token_create

    ApiToken.objects.filter(user=tech, name="bench-load").delete()
    _token, secret = api_token_create(user=tech, name="bench-load", scopes=["read"], by=tech)
    return session.session_key, ticket.pk, secret


def start_gunicorn(workers: int, port: int, log: Path) -> subprocess.Popen:
    env = {**server_env(workers), "GUNICORN_BIND": f"127.0.0.1:{port}"}
    subprocess.run([str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
                   cwd=ROOT, env=env, check=True)
    with log.open("ab") as out:
        process = subprocess.Popen([str(BIN / "gunicorn"), "--config", "config/gunicorn.conf.py"],
                                   cwd=ROOT, env=env, stdout=out, stderr=out,
                                   start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"gunicorn did not answer on port {port}; see {log}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def locust(*, port: int, name: str, path: str, session: str, token: str, users: int,
           seconds: int, csv_prefix: Path) -> dict:
    env = {**os.environ, "BENCH_LOAD_PATH": path, "BENCH_LOAD_NAME": name,
           "BENCH_LOAD_SESSION": session, "BENCH_LOAD_TOKEN": token}
    subprocess.run(
        [str(BIN / "locust"), "-f", str(Path(__file__).resolve()), "--headless",
         "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
         "--host", f"http://127.0.0.1:{port}", "--csv", str(csv_prefix), "--only-summary",
         "--loglevel", "WARNING", "--stop-timeout", "5"],
        cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(f"{csv_prefix}_stats.csv", newline="") as f:
        row = next((r for r in csv.DictReader(f) if r["Name"] == name), None)
    if row is None:  # no request finished (a warm-up too short for locust to start)
        return {"rps": 0.0, "p50": 0.0, "p95": 0.0, "requests": 0, "failures": 0}
    return {"rps": float(row["Requests/s"]), "p50": float(row["50%"]),
            "p95": float(row["95%"]), "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    session, ticket, token = prepare()
    out = Path(tempfile.mkdtemp(prefix="sd-bench-load-"))
    results = []
    for workers in [int(w) for w in args.workers.split(",")]:
        port = free_port()
        server = start_gunicorn(workers, port, out / "gunicorn.log")
        try:
            for name, template in PAGES.items():
                path = template.format(ticket=ticket)
                locust(port=port, name=name, path=path, session=session, token=token,
                       users=args.users, seconds=args.warmup,
                       csv_prefix=out / f"warm-{workers}-{name}")
                figures = locust(port=port, name=name, path=path, session=session,
                                 token=token, users=args.users, seconds=args.seconds,
                                 csv_prefix=out / f"run-{workers}-{name}")
                results.append((workers, name, figures))
                print(f"  {workers} worker(s) {name:12s} {figures['rps']:7.1f} req/s  "
                      f"p50 {figures['p50']:6.0f} ms  p95 {figures['p95']:6.0f} ms  "
                      f"({figures['requests']} requests, {figures['failures']} failed)",
                      flush=True)
        finally:
            stop(server)
    ok = all(f["p95"] < 250 and not f["failures"] for w, _, f in results if w == 2)
    queue2 = next((f["rps"] for w, n, f in results if w == 2 and n == "queue"), 0.0)
    ok = ok and queue2 >= 30
    print(f"{args.users} users, {args.seconds} s per page; logs in {out}")
    print("targets met" if ok
          else "targets missed (p95 < 250 ms, >= 30 queue pages/s with 2 workers)")


if __name__ == "__main__":
    main()
