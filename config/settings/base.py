"""Settings shared by every environment.

Only deployment concerns live here (read from the environment with safe defaults).
Business configuration (tariffs, calendars, VAT) is data in the database, never settings.
"""

import os
from pathlib import Path

import environ
import structlog
from django.utils.translation import gettext_lazy as _

from supportdesk.common import request_id

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# No committed secret: local/test settings derive their own; production must set it.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

DATA_DIR = Path(env("SUPPORTDESK_DATA_DIR", default=str(BASE_DIR / "var")))
# Where people reach the desk; links in e-mails are built on it, never on a request's Host.
SUPPORTDESK_SITE_URL = env("SUPPORTDESK_SITE_URL", default="http://127.0.0.1:8000")
# The vendor's brand on every page, e-mail and statement (supportdesk.common.brand): a name,
# a logo (a static path or an absolute file path; PNG, JPEG or SVG) and two CSS hex colours,
# checked at startup (a bad colour is a system-check error). "supportdesk" stays in footers.
SUPPORTDESK_BRAND_NAME = env.str("SUPPORTDESK_BRAND_NAME", default="supportdesk")
SUPPORTDESK_BRAND_LOGO = env.str("SUPPORTDESK_BRAND_LOGO", default="")
SUPPORTDESK_BRAND_COLOR = env.str("SUPPORTDESK_BRAND_COLOR", default="#7a4b0c")
SUPPORTDESK_BRAND_ACCENT = env.str("SUPPORTDESK_BRAND_ACCENT", default="#b07a2a")

DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'supportdesk.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The database file is the owner's alone (docs/security.md #54): the data directory is
    # created 0700 and the file 0600 before SQLite opens it (its -wal and -shm files take
    # the file's mode); an older file left 0644 is tightened.
    _db_file = Path(str(DATABASES["default"]["NAME"]))
    if str(_db_file) not in ("", ":memory:") and not str(_db_file).startswith("file:"):
        if not _db_file.parent.exists():
            _db_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _db_file.exists():
            os.close(os.open(_db_file, os.O_CREAT | os.O_WRONLY, 0o600))
        for _suffix in ("", "-wal", "-shm"):
            _path = Path(f"{_db_file}{_suffix}")
            if _path.exists() and _path.stat().st_mode & 0o077:
                _path.chmod(0o600)
    # WAL lets readers run beside one writer; IMMEDIATE transactions take the write lock
    # at BEGIN so that two savers of the last prepaid hour queue instead of deadlocking.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "axes",
    "csp",
    "ninja",
    "django_ratelimit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "supportdesk.common",
    "supportdesk.accounts",
    "supportdesk.customers",
    "supportdesk.catalog",
    "supportdesk.notifications",
    "supportdesk.contracts",
    "supportdesk.entitlements",
    "supportdesk.tickets",
    "supportdesk.agreements",
    "supportdesk.worklog",
    "supportdesk.billing",
    "supportdesk.knowledge",
    "supportdesk.satisfaction",
    "supportdesk.desk",
    "supportdesk.portal",
    "supportdesk.api",
    "supportdesk.mail",
    "supportdesk.webhooks",
    "supportdesk.einvoicing",
    "supportdesk.ops",
]

MIDDLEWARE = [
    # First: the request id and the one log line per request, then the request metrics.
    "supportdesk.common.request_logging.RequestLogMiddleware",
    "supportdesk.ops.metrics.RequestMetricsMiddleware",
    # Every error under /api/ in the API's one JSON shape (supportdesk/api/errors.py).
    "supportdesk.api.errors.ApiErrorShapeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "supportdesk.common.middleware.GreekByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A form above DATA_UPLOAD_MAX_MEMORY_SIZE validated by its view (the limit said, the text
    # kept) rather than a bare 400; needs request.user (supportdesk/common/oversized.py).
    "supportdesk.common.oversized.OversizedFormMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "supportdesk.accounts.middleware.StaffMfaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "supportdesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "supportdesk.worklog.context_processors.running_timer",
                "supportdesk.notifications.context_processors.unread_notifications",
                "supportdesk.common.context_processors.brand",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 3600  # one hour: docs/security.md #14

# django-axes: lock on username + IP so an attacker cannot lock a victim out (docs/security.md #13).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours = 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Two-factor authentication for staff (docs/security.md #15, ASVS 6.3.2, 6.4.3, 6.5.1).
# "required": technicians and managers reach no staff page, API call or admin page until a
# TOTP code (or a single-use recovery code) verifies the session. "off" keeps the local demo
# one password away; production defaults to "required". Customers are not asked (yet).
SUPPORTDESK_STAFF_MFA = env.str("SUPPORTDESK_STAFF_MFA", default="off")
if SUPPORTDESK_STAFF_MFA not in ("required", "off"):
    raise ValueError("SUPPORTDESK_STAFF_MFA must be 'required' or 'off'")
OTP_TOTP_ISSUER = "supportdesk"
OTP_TOTP_THROTTLE_FACTOR = 1  # wrong codes lock the device for 1, 2, 4, 8... seconds
OTP_STATIC_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "el"
LANGUAGES = [("el", _("Greek")), ("en", _("English"))]
# Ours first; then Greek for third-party screens (Django admin strings newer than its Greek
# catalogue, django-axes), apart so that makemessages never marks them obsolete.
LOCALE_PATHS = [BASE_DIR / "supportdesk" / "locale", BASE_DIR / "supportdesk" / "locale_vendor"]
# Our display formats before Django's: the 24-hour clock in Greek and English (config/formats).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Athens"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "supportdesk" / "static"]
STORAGES = {
    # Uploads live outside the web root and are only served through permission-checked views.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "private"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "private"
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Up to this size a signed-in user's oversized form is still read, so that the page can say
# which field is too long and keep what was typed (supportdesk/common/oversized.py).
SUPPORTDESK_FORM_MAX_BYTES = env.int("SUPPORTDESK_FORM_MAX_BYTES", default=16 * 1024 * 1024)
SUPPORTDESK_ATTACHMENT_MAX_BYTES = env.int(
    "SUPPORTDESK_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024
)

# Security headers (docs/security.md #11, #16, #38).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="support@jewelsoft.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The SMTP server of DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend
# (docs/notifications.md "Configuring SMTP"). A timeout always: without one a hung server
# would hold the worker (or, without Celery, the request that committed) for ever.
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)  # STARTTLS (port 587)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)  # implicit TLS (port 465)
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=30.0)  # seconds per SMTP operation
# E-mail intake (supportdesk.mail): replies to our mails go here; larger messages are kept
# raw but quarantined.
SUPPORTDESK_INTAKE_ADDRESS = env("SUPPORTDESK_INTAKE_ADDRESS", default=DEFAULT_FROM_EMAIL)
SUPPORTDESK_MAIL_MAX_BYTES = env.int("SUPPORTDESK_MAIL_MAX_BYTES", default=50 * 1024 * 1024)
# Polled mailboxes (supportdesk.mail.Mailbox): their passwords are Fernet-encrypted with a key
# derived (HKDF-SHA256) from MAIL_SECRET_KEY, or from SECRET_KEY when it is empty. Changing
# the key makes the stored passwords unreadable: re-enter them in the admin.
MAIL_SECRET_KEY = env("MAIL_SECRET_KEY", default="")
MAIL_POLL_TIMEOUT = env.float("MAIL_POLL_TIMEOUT", default=30.0)  # seconds per IMAP operation
# Authentication-Results: only the header our receiving server adds (its authserv-id) is
# read; empty reads none. A dmarc=fail or spf=fail there for a customer user's domain sends
# the mail to quarantine instead of a request (docs/security.md).
MAIL_AUTHSERV_ID = env("MAIL_AUTHSERV_ID", default="")
MAIL_QUARANTINE_ON_AUTH_FAIL = env.bool("MAIL_QUARANTINE_ON_AUTH_FAIL", default=True)

# Background work: Celery on Redis when CELERY_BROKER_URL is set; otherwise tasks run
# in-process (eagerly) and the periodic jobs are driven by `manage.py run_scheduler`
# or the scheduler thread started by `manage.py rundesk`, through the same task functions.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://supportdesk")
}

NINJA_PAGINATION_PER_PAGE = 50
# The API's rate limit per caller (a token, or a session's user): calls per window, counted
# by django-ratelimit on the default cache, which must be shared by every web process
# (Redis in production; the local-memory cache of `make run` serves one process only,
# hence the silenced check there). "120/m" = 120 calls a minute; over it a 429 with
# Retry-After.
SUPPORTDESK_API_RATE = env.str("SUPPORTDESK_API_RATE", default="120/m")
RATELIMIT_USE_CACHE = "default"
# Django's own Redis cache increments atomically but is not on the library's list (W001);
# E003 (a cache not shared between processes) only where that cache is the local one.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# Logs (structlog over the standard logging): one line per request (the request-log
# middleware) and per Celery task (config/celery.py), each with its request id, and every
# other logger (Django's, Celery's, ours) through the same formatter. "json" for
# production (one JSON object per line on stderr), "console" for reading in development.
SUPPORTDESK_LOG_FORMAT = env.str("SUPPORTDESK_LOG_FORMAT", default="console")
LOG_LEVEL = env("DJANGO_LOG_LEVEL", default="INFO")


def logging_config(log_format: str, level: str = "INFO") -> dict:
    """The LOGGING dict for ``log_format`` ("json" or "console"); structlog is configured
    to hand its events to these formatters."""
    if log_format not in ("json", "console"):
        raise ValueError("SUPPORTDESK_LOG_FORMAT must be 'json' or 'console'")
    shared = [
        structlog.contextvars.merge_contextvars,
        request_id.add_to_event,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *shared,
                    structlog.processors.StackInfoRenderer(),
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderers = {
        "json": [structlog.processors.format_exc_info,
                 structlog.processors.JSONRenderer(ensure_ascii=False)],
        "console": [structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback)],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            name: {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                               *chain],
                "foreign_pre_chain": shared,
            }
            for name, chain in renderers.items()
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # The request line is ours (supportdesk.request): Django's own 4xx/5xx request
            # warnings would log a second line for the same request.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "WARNING"},
        },
    }


LOGGING = logging_config(SUPPORTDESK_LOG_FORMAT, LOG_LEVEL)

# Health, readiness and metrics (supportdesk.ops.health, supportdesk.ops.metrics).
# /metrics answers 404 unless the request carries "Authorization: Bearer <token>" or comes
# from one of the allowed addresses (REMOTE_ADDR; X-Forwarded-For is read only when
# REMOTE_ADDR is one of the trusted proxies). Business figures are cached this many seconds.
SUPPORTDESK_METRICS_TOKEN = env.str("SUPPORTDESK_METRICS_TOKEN", default="")
SUPPORTDESK_METRICS_ALLOWED_IPS = env.list("SUPPORTDESK_METRICS_ALLOWED_IPS", default=[])
SUPPORTDESK_METRICS_TRUSTED_PROXIES = env.list("SUPPORTDESK_METRICS_TRUSTED_PROXIES",
                                               default=[])
SUPPORTDESK_METRICS_CACHE_SECONDS = env.int("SUPPORTDESK_METRICS_CACHE_SECONDS", default=30)
# /readyz: seconds each dependency check may take (database, cache, broker).
SUPPORTDESK_READYZ_TIMEOUT = env.float("SUPPORTDESK_READYZ_TIMEOUT", default=2.0)
# Webhooks (supportdesk.webhooks, docs/webhooks.md, docs/security.md #23, #46). Targets must
# be https:// unless DEBUG; addresses that are not public (loopback, link-local, private,
# reserved) are refused before every connection unless they lie in one of the allowed
# networks (CIDR ranges, e.g. "10.20.0.0/16" for an on-premise receiver). One attempt may
# take this many seconds in all; after this many failed attempts in a row a subscription
# is disabled and the managers told. The signing secrets are kept encrypted with a key
# derived from SUPPORTDESK_WEBHOOK_SECRET_KEY (else SECRET_KEY).
SUPPORTDESK_WEBHOOK_REQUIRE_HTTPS = env.bool("SUPPORTDESK_WEBHOOK_REQUIRE_HTTPS",
                                             default=not DEBUG)
SUPPORTDESK_WEBHOOK_ALLOWED_NETWORKS = env.list("SUPPORTDESK_WEBHOOK_ALLOWED_NETWORKS",
                                                default=[])
SUPPORTDESK_WEBHOOK_TIMEOUT = env.float("SUPPORTDESK_WEBHOOK_TIMEOUT", default=10.0)
SUPPORTDESK_WEBHOOK_DISABLE_AFTER = env.int("SUPPORTDESK_WEBHOOK_DISABLE_AFTER", default=15)
SUPPORTDESK_WEBHOOK_SECRET_KEY = env.str("SUPPORTDESK_WEBHOOK_SECRET_KEY", default="")
# E-invoicing provider hand-off (supportdesk.einvoicing, docs/einvoicing.md "Hand-off").
# Empty URL: no provider; statements stay "not sent" and a manager may type the ΜΑΡΚ.
# Credentials: a bearer token, or a user name and password (HTTP Basic); never shown or
# logged. The format is what the provider accepts: "mydata" (myDATA XML) or "ubl". The URL
# is checked against SSRF like a webhook's (https only unless DEBUG; addresses that are not
# public only within the allowed networks); one call may take this many seconds in all.
# AUTO_SEND: hand over every statement as it is issued (a billing run's, a credit's).
SUPPORTDESK_EINVOICE_PROVIDER_URL = env.str("SUPPORTDESK_EINVOICE_PROVIDER_URL", default="")
SUPPORTDESK_EINVOICE_PROVIDER_TOKEN = env.str("SUPPORTDESK_EINVOICE_PROVIDER_TOKEN", default="")
SUPPORTDESK_EINVOICE_PROVIDER_USERNAME = env.str("SUPPORTDESK_EINVOICE_PROVIDER_USERNAME",
                                                 default="")
SUPPORTDESK_EINVOICE_PROVIDER_PASSWORD = env.str("SUPPORTDESK_EINVOICE_PROVIDER_PASSWORD",
                                                 default="")
SUPPORTDESK_EINVOICE_FORMAT = env.str("SUPPORTDESK_EINVOICE_FORMAT", default="mydata")
SUPPORTDESK_EINVOICE_TIMEOUT = env.float("SUPPORTDESK_EINVOICE_TIMEOUT", default=30.0)
SUPPORTDESK_EINVOICE_REQUIRE_HTTPS = env.bool("SUPPORTDESK_EINVOICE_REQUIRE_HTTPS",
                                              default=not DEBUG)
SUPPORTDESK_EINVOICE_ALLOWED_NETWORKS = env.list("SUPPORTDESK_EINVOICE_ALLOWED_NETWORKS",
                                                 default=[])
SUPPORTDESK_EINVOICE_AUTO_SEND = env.bool("SUPPORTDESK_EINVOICE_AUTO_SEND", default=True)
