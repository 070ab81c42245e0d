"""Gunicorn settings of the production web process (``gunicorn -c config/gunicorn.conf.py``).

Deployment wiring, like ``config/celery.py``: no app imports it. Every value can be changed
from the environment (``deploy/supportdesk.env.example`` lists them), so the systemd unit,
the Dockerfile and the whole-stack test (``tests/stack/``) start the same file.

- Workers: ``GUNICORN_WORKERS`` (else gunicorn's own ``WEB_CONCURRENCY``, else 2 per core
  plus one), sync workers; ``GUNICORN_THREADS`` > 1 switches to threaded workers.
- Timeouts: a request that takes longer than ``GUNICORN_TIMEOUT`` (30 s) has its worker
  killed and replaced; on ``SIGHUP`` (``systemctl reload``) or ``SIGTERM`` the workers get
  ``GUNICORN_GRACEFUL_TIMEOUT`` (30 s) to finish the requests they are serving. No
  ``preload_app``: a ``SIGHUP`` then loads the new code in the new workers (graceful reload).
- Logs: gunicorn's access log is off: the application writes one JSON line per request
  itself (request id, user, route, status, duration: ``supportdesk.common.request_logging``),
  which an access log would only repeat without the request id. ``GUNICORN_ACCESS_LOG=-``
  turns it back on. Gunicorn's own messages (worker started, timeout, signal) are JSON
  lines too when ``SUPPORTDESK_LOG_FORMAT`` is ``json`` (the production default).
- Proxy: ``X-Forwarded-Proto``/``-For`` are trusted only from ``GUNICORN_FORWARDED_ALLOW_IPS``
  (default loopback: Caddy on the same host). On separate hosts, set the proxy's address.
- The control socket of gunicorn 27 is off unless ``GUNICORN_CONTROL_SOCKET`` names a path
  (its default path in the home directory would be shared by two instances on one host).
- Metrics of several workers: each worker writes its request counts to
  ``PROMETHEUS_MULTIPROC_DIR`` (a new private directory per master unless set; emptied when
  the master starts, a dead worker marked in ``child_exit``) and ``/metrics`` adds them up,
  whichever worker answers (``supportdesk.ops.metrics``).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _default_workers() -> int:
    return _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)


wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = _int("GUNICORN_WORKERS", _default_workers())
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# A worker is replaced after this many requests (with jitter, so not all at once): any slow
# leak in a library stays bounded.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
preload_app = False
# The heartbeat files of the workers on tmpfs when there is one (a container's overlay disk
# can stall them long enough to look like a hung worker).
# (gunicorn makes its files there with mkstemp: private names, not a shared path.)
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108  # nosec B108
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips
# Gunicorn sees a request before Django does: keep its limits at gunicorn's defaults but
# explicit (an over-long request line or header block is refused with a 4xx before Django).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if _control_socket:
    control_socket = _control_socket
else:
    control_socket_disable = True

# Set here, in the master, before any worker exists: the workers inherit it and
# prometheus-client reads it when the app's metrics are created (after the fork: no preload).
_made_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _made_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="supportdesk-metrics-")
else:
    # A directory of our own from the environment: what an earlier master left is stale.
    for _stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        _stale.unlink()


def child_exit(server, worker) -> None:
    """A worker's figures stay counted; its live gauges (none yet) would be dropped."""
    from prometheus_client import multiprocess  # noqa: PLC0415 - only under gunicorn

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _made_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


proc_name = os.environ.get("GUNICORN_PROC_NAME", "supportdesk-web")
pidfile = os.environ.get("GUNICORN_PIDFILE") or None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
errorlog = "-"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
capture_output = False

if os.environ.get("SUPPORTDESK_LOG_FORMAT", "json") == "json":
    import structlog

    # Gunicorn's own lines in the same shape as the application's (structlog's JSON).
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "structlog.stdlib.ProcessorFormatter",
                "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                               structlog.processors.JSONRenderer(ensure_ascii=False)],
                "foreign_pre_chain": [structlog.stdlib.add_logger_name,
                                      structlog.stdlib.add_log_level,
                                      structlog.processors.TimeStamper(fmt="iso", utc=True)],
            },
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json",
                        "stream": "ext://sys.stderr"},
        },
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["console"],
                               "propagate": False, "qualname": "gunicorn.error"},
            # Gunicorn writes access lines whenever a logging config is given: only to a
            # handler when the access log was asked for.
            "gunicorn.access": {"level": "INFO", "handlers": ["console"] if accesslog else [],
                                "propagate": False, "qualname": "gunicorn.access"},
        },
    }
