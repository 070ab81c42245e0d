"""The whole stack on 127.0.0.1, as production runs it: a fresh PostgreSQL database, Redis,
two gunicorn processes, a Celery worker and beat, all with the production settings
(``tests/stack/settings.py``), and a real SMTP server.

It drives a request through intake, an SLA warning and a billing run over HTTP; kills a
web worker with SIGKILL in the middle of a billing-run request and the Celery worker with
SIGKILL in the middle of the monthly billing run; and then finds every request answered or
cleanly failed, each work entry billed exactly once on gapless statement numbers, and every
notification sent once. ``/readyz`` turns 503 when PostgreSQL or Redis cannot be reached
and 200 again when they are back (through a relay the test cuts, and a Redis server of its
own: the shared servers are never stopped).

Runs with the PostgreSQL pass of ``make test`` (``DATABASE_URL`` on PostgreSQL) where
PostgreSQL on 127.0.0.1:5432 and ``redis-server`` exist; bounded by its timeout, and stops
everything it started.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import requests
from celery import Celery
from django.db import connection

from . import processes as p
from .stack_data import PASSWORD

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="the PostgreSQL pass of make test runs the stack"),
    pytest.mark.skipif(not p.postgres_available(), reason="no PostgreSQL on 127.0.0.1:5432"),
    pytest.mark.skipif(not p.redis_available(), reason="no redis-server"),
]

SECRET = "stack-" + "Zq8vN2Lr7Tx0Wm5Hc1Pj9Bd6Fy4Gs3Kk" * 2


def stack_env(*, database_url: str, redis_port: int, smtp_port: int, data_dir: Path) -> dict:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "SUPPORTDESK_", "CELERY_", "GUNICORN_", "EMAIL_"))
            and k not in {"DATABASE_URL", "CACHE_URL", "PYTEST_CURRENT_TEST"}}
    return {
        **keep,
        "PYTHONPATH": str(p.ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.stack.settings",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CACHE_URL": f"redis://127.0.0.1:{redis_port}/1",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_TIMEOUT": "10",
        "SUPPORTDESK_SITE_URL": "https://desk.stack.example",
        "SUPPORTDESK_DATA_DIR": str(data_dir),
        # No TOTP device for the test's staff (the MFA flow has its own tests).
        "SUPPORTDESK_STAFF_MFA": "off",
        "SUPPORTDESK_API_RATE": "100000/m",
        "SUPPORTDESK_READYZ_TIMEOUT": "2",
        # A billing run over HTTP may take longer than the default 30 s on a busy machine.
        "GUNICORN_TIMEOUT": "180",
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
    }


class Browser:
    """A user's session against one web process, as behind Caddy (X-Forwarded-Proto:
    https, so the secure cookies and the CSRF origin checks are those of production)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _headers(self, extra: dict | None = None) -> dict:
        origin = f"https://127.0.0.1:{self.port}"
        headers = {"X-Forwarded-Proto": "https", "Origin": origin, "Referer": origin + "/",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        return {**headers, **(extra or {})}

    def _keep(self, response: requests.Response) -> requests.Response:
        for cookie in response.cookies:  # secure cookies too: the "https" is the proxy's
            self.cookies[cookie.name] = cookie.value
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self._keep(requests.get(self.url(path), headers=self._headers(),
                                       allow_redirects=False, timeout=kwargs.pop("timeout", 60),
                                       **kwargs))

    def post(self, path: str, data=None, json=None, timeout: float = 60,
             headers: dict | None = None) -> requests.Response:
        return self._keep(requests.post(self.url(path), data=data, json=json,
                                        headers=self._headers(headers), allow_redirects=False,
                                        timeout=timeout))

    def form(self, path: str, data: dict, page: str | None = None) -> requests.Response:
        """POST a form as the page renders it (its CSRF and one-time form tokens)."""
        html = self.get(page or path).text
        fields = dict(re.findall(r'name="(csrfmiddlewaretoken|form_token)" value="([^"]+)"',
                                 html))
        return self.post(path, data={**fields, **data})

    def login(self, username: str) -> Browser:
        self.get("/accounts/login/")
        response = self.form("/accounts/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, (response.status_code, response.text[:500])
        return self


class Traffic:
    """Requests sent all along to both web processes (the customer's pages on one, the
    manager's on the other): each must be answered (never a 5xx) or fail cleanly (the
    connection refused or reset while a process is killed)."""

    def __init__(self, ports: list[int], browsers: list[Browser]):
        self.ports = ports
        self.browsers = browsers
        self.outcomes: Counter = Counter()
        self.bad: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            browser = self.browsers[n % len(self.browsers)]
            home = "/desk/" if browser is self.browsers[-1] else "/portal/"
            path = ["/healthz", home, "/api/v1/tickets/"][(n // len(self.browsers)) % 3]
            n += 1
            try:
                response = requests.get(browser.url(path), headers=browser._headers(),
                                        allow_redirects=False, timeout=30)
            except requests.ConnectionError:
                self.outcomes["connection failed"] += 1
            else:
                self.outcomes[response.status_code] += 1
                if response.status_code >= 500 or response.status_code not in (200, 302):
                    self.bad.append(f"{path} on {browser.port}: {response.status_code}")
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=60)


CUSTOMERS = 1500  # billed in batches of 50: long enough to be killed in the middle


def issued(database_url: str, period_start: str) -> int:
    """Statements of the period committed so far (plain SQL: polled every 50 ms)."""
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM billing_statement WHERE kind = 'period' "
                            "AND period_start = %s", [period_start]).fetchone()[0]


def statements_of(check: dict, period_start: str) -> list:
    return [s for s in check["statements"] if s[4] == period_start and s[0] == "period"]


def run_finished(check: dict, period_start: str) -> bool:
    return any(r[0] == period_start and r[1] for r in check["runs"])


def send_task(broker_url: str, name: str, *, args=(), kwargs=None) -> None:
    """Queue a task as beat or a web process does (a Celery client of the test's own)."""
    client = Celery("stack-client", broker=broker_url)
    client.conf.task_serializer = "json"
    try:
        client.send_task(name, args=list(args), kwargs=kwargs or {})
    finally:
        client.close()


@pytest.fixture
def stack(tmp_path):
    with contextlib.ExitStack() as cleanup:
        database_url = cleanup.enter_context(p.fresh_database())
        mailbox = cleanup.enter_context(p.Mailbox())
        redis = p.Redis(p.free_port(), tmp_path)
        redis.start()
        cleanup.callback(redis.stop)
        env = stack_env(database_url=database_url, redis_port=redis.port,
                        smtp_port=mailbox.port, data_dir=tmp_path / "data")
        stack = p.Stack(env=env, logs=tmp_path)
        cleanup.callback(stack.stop_all)
        stack.run([sys.executable, "manage.py", "migrate", "--noinput"], timeout=300)
        stack.run([sys.executable, "manage.py", "seed_config"])
        stack.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"])
        stack.mailbox = mailbox
        stack.redis = redis
        stack.database_url = database_url
        try:
            yield stack
        finally:
            for name in stack.processes:  # shown by pytest when the test failed
                tail = "\n".join(stack.log(name).splitlines()[-15:])
                sys.stdout.write(f"----- {name} (last lines)\n{tail}\n")


@pytest.mark.timeout(600)
def test_the_whole_stack_survives_killed_processes(stack):
    ids = stack.data("setup", "--customers", str(CUSTOMERS), "--entries", "2",
                     "--with-users", "5")
    port_a, port_b = p.free_port(), p.free_port()
    web_a = stack.gunicorn("web-a", port_a)
    stack.gunicorn("web-b", port_b)
    stack.worker()
    stack.beat()
    broker = stack.env["CELERY_BROKER_URL"]

    # ---- intake over HTTP (web A): the customer files a request through the API.
    shop = Browser(port_a).login("stack-shop")
    created = shop.post("/api/v1/tickets/", json={"subject": "Η ταμειακή δεν τυπώνει",
                                                  "body": "Από το πρωί."})
    assert created.status_code == 201, created.text[:500]
    request_id = created.headers["X-Request-ID"]
    ticket_id = created.json()["id"]
    manager = Browser(port_b).login("stack-manager")
    assert manager.get(f"/desk/tickets/{ticket_id}/").status_code == 200

    # The acknowledgement reaches the customer through the worker, carrying the request id
    # of the intake request (web -> Celery header -> task -> mail header).
    acked = p.wait_for(lambda: [m for m in stack.mailbox.received()
                                if m[0] == "shop@stack.example"], "the acknowledgement mail")
    assert acked[0][2] == request_id

    # ---- an SLA warning: the scan as the worker runs it, at a moment just before the
    # request is due (75% of its target used), then seen over HTTP by the manager.
    ticket = stack.data("check")["tickets"]["Η ταμειακή δεν τυπώνει"]
    moment = datetime.fromisoformat(ticket["due"]) - timedelta(minutes=1)
    send_task(broker, "supportdesk.tickets.tasks.sla_scan", kwargs={"now": moment.isoformat()})
    p.wait_for(lambda: stack.data("check")["tickets"]["Η ταμειακή δεν τυπώνει"]["warning_sent"],
               "the SLA warning", timeout=60, interval=1)
    p.wait_for(lambda: [m for m in stack.mailbox.received() if m[0] == "manager@stack.example"
                        and ticket["reference"] in m[1] and "SLA" in m[1].upper()]
               or [m for m in stack.mailbox.received() if m[0] == "manager@stack.example"
                   and ticket["reference"] in m[1] and m not in acked], "the SLA warning mail")
    inbox = manager.get("/notifications/")
    assert inbox.status_code == 200 and ticket["reference"] in inbox.text

    with Traffic([port_a, port_b], [shop, manager]) as traffic:
        # ---- a billing run over HTTP on web A, whose worker is killed mid-request.
        results: dict = {}

        def bill_october():
            billing = Browser(port_a).login("stack-manager")
            try:
                results["response"] = billing.form(
                    "/billing/run/", {"period_start": "2026-10-01", "period_end": "2026-10-31"},
                    page="/billing/")
            except requests.ConnectionError as exc:
                results["error"] = exc

        workers_a = p.children(web_a.pid)
        assert len(workers_a) == 1
        request_thread = threading.Thread(target=bill_october)
        request_thread.start()
        p.wait_for(lambda: issued(stack.database_url, "2026-10-01"),
                   "the first statements of the HTTP run", timeout=120, interval=0.05)
        os.kill(workers_a[0], 9)
        request_thread.join(timeout=120)
        # Cleanly failed: the connection was cut; no half answer, no 5xx page.
        assert "error" in results, results
        check = stack.data("check")
        assert not run_finished(check, "2026-10-01")
        partial = len(statements_of(check, "2026-10-01"))
        assert 0 < partial < CUSTOMERS
        # gunicorn replaced the worker; the manager runs the period again on web B.
        p.wait_for(lambda: p.http_ok(port_a, "/healthz"), "web A's new worker")
        again = Browser(port_b).login("stack-manager").form(
            "/billing/run/", {"period_start": "2026-10-01", "period_end": "2026-10-31"},
            page="/billing/")
        assert again.status_code == 302

        # ---- the monthly billing job on the Celery worker, killed with SIGKILL mid-run.
        send_task(broker, "ops.run_job", args=["billing-monthly-run"])
        p.wait_for(lambda: issued(stack.database_url, "2026-11-01"),
                   "the first statements of the monthly job", timeout=120, interval=0.05)
        stack.kill("worker")
        check = stack.data("check")
        assert not run_finished(check, "2026-11-01")
        assert len(statements_of(check, "2026-11-01")) < CUSTOMERS
        # A new worker: Redis delivers the unacknowledged job again and it bills the rest.
        stack.worker("worker2")
        p.wait_for(lambda: issued(stack.database_url, "2026-11-01") == CUSTOMERS,
                   "the rest of the monthly run after the restart", timeout=180, interval=1)
    assert not traffic.bad, traffic.bad
    assert traffic.outcomes[200] > 0

    check = stack.data("check")
    # Each entry billed exactly once, on gapless numbers per series and year.
    for month in ("october", "november"):
        figures = check["months"][month]
        assert figures["entries"] == ids["entries_per_month"] == CUSTOMERS * 2
        assert figures["billed_once"] == figures["locked"] == figures["entries"], figures
        assert figures["billed_more"] == 0
    by_series: dict = {}
    for _kind, series, year, number, _, status in check["statements"]:
        if status != "draft":
            by_series.setdefault((series, year), []).append(number)
    for numbers in by_series.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), numbers
    assert len(statements_of(check, "2026-10-01")) == len(statements_of(check, "2026-11-01"))
    assert not any(s[5] == "draft" for s in check["statements"])

    # Every notification sent once: one mail per sent row, none twice, none pending.
    def settled():
        rows = stack.data("check")["notifications"]
        return rows if all(r[4] in ("sent", "skipped") for r in rows) else None

    rows = p.wait_for(settled, "every notification sent", timeout=120, interval=1)
    def flat(subject: str) -> str:  # a folded header decodes with its folding space
        return " ".join(subject.split())

    sent = Counter((r[2], flat(r[3])) for r in rows if r[4] == "sent")
    mails = Counter((m[0], flat(m[1])) for m in stack.mailbox.received())
    assert sent == mails, (sent - mails, mails - sent)
    assert all(n == 1 for n in mails.values())
    events = Counter(r[1] for r in rows)
    assert events["statement_issued"] == 10  # 5 customers with a user x 2 months
    assert events["sla_warning"] >= 1

    # Beat ran its jobs through the worker (recorded for /readyz).
    status, ready = p.http_json(port_b, "/readyz")
    assert status == 200, ready
    assert "billing-monthly-run" in ready["jobs"]


@pytest.mark.timeout(300)
def test_readyz_follows_postgresql_and_redis(stack):
    pg_port = int(re.search(r":(\d+)/", stack.database_url).group(1))
    relay = p.Relay(target=pg_port)
    relay.restore()
    try:
        url = re.sub(r":\d+/", f":{relay.port}/", stack.database_url)
        stack.env["DATABASE_URL"] = url
        stack.env["SUPPORTDESK_METRICS_TOKEN"] = "stack-metrics-token"
        port = p.free_port()
        stack.gunicorn("web", port, workers=2)
        status, body = p.http_json(port, "/readyz")
        assert status == 200 and body["status"] == "ready", body
        # Static files come from gunicorn itself (WhiteNoise), compressed when asked.
        css = requests.get(f"http://127.0.0.1:{port}/static/css/app.css", timeout=10,
                           headers={"Accept-Encoding": "gzip", "X-Forwarded-Proto": "https"})
        assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
        assert css.headers.get("Content-Encoding") == "gzip"
        assert "max-age" in css.headers["Cache-Control"]
        # The request counts of both workers, added up whichever worker answers the scrape.
        for _ in range(12):
            assert p.http_ok(port, "/healthz")
        scrapes = [requests.get(f"http://127.0.0.1:{port}/metrics", timeout=30, headers={
            "Authorization": "Bearer stack-metrics-token", "X-Forwarded-Proto": "https"})
            for _ in range(4)]
        counts = {float(re.search(r'requests_total\{method="GET",route="healthz",'
                                  r'status="200"\} (\S+)', r.text).group(1)) for r in scrapes}
        assert len(counts) == 1 and counts.pop() >= 12, [r.text[:300] for r in scrapes]

        relay.cut()  # PostgreSQL unreachable
        status, body = p.http_json(port, "/readyz")
        assert status == 503 and "database" in body["failing"], body
        assert "password" not in str(body).lower() and url not in str(body)
        relay.restore()
        p.wait_for(lambda: p.http_json(port, "/readyz")[0] == 200, "ready after PostgreSQL")

        stack.redis.stop()  # the broker and the cache
        status, body = p.http_json(port, "/readyz")
        assert status == 503 and {"broker", "cache"} <= set(body["failing"]), body
        stack.redis.start()
        p.wait_for(lambda: p.http_json(port, "/readyz")[0] == 200, "ready after Redis",
                   timeout=60)
        assert p.http_ok(port, "/healthz")
    finally:
        relay.cut()
