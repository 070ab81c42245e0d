"""PostgreSQL, several stateless web processes, Celery on Redis, behind TLS."""

from .base import *  # noqa: F403
from .base import LOG_LEVEL, env, logging_config

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")  # required: fails loudly when missing
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
CACHES = {"default": env.cache("CACHE_URL", default="redis://127.0.0.1:6379/1")}
# Several web processes: the API rate limit needs the shared cache, so a local-memory one
# fails the system checks here (django_ratelimit.E003 is not silenced).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
# Staff must verify a TOTP code after the password (docs/security.md #15); only "off" opts out.
SUPPORTDESK_STAFF_MFA = env.str("SUPPORTDESK_STAFF_MFA", default="required")
if SUPPORTDESK_STAFF_MFA not in ("required", "off"):
    raise ValueError("SUPPORTDESK_STAFF_MFA must be 'required' or 'off'")
# One JSON object per line (request id, user, route, status, duration; Celery tasks too).
SUPPORTDESK_LOG_FORMAT = env.str("SUPPORTDESK_LOG_FORMAT", default="json")
LOGGING = logging_config(SUPPORTDESK_LOG_FORMAT, LOG_LEVEL)
# Load balancers and Prometheus talk plain HTTP to gunicorn on the private side: the
# health, readiness and metrics routes answer without the redirect to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
