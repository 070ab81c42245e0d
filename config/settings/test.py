"""Fast, deterministic settings for the test suite (SQLite unless DATABASE_URL is set)."""

import os
import tempfile
from pathlib import Path

_tmp = Path(tempfile.mkdtemp(prefix="supportdesk-test-"))
os.environ.setdefault("SUPPORTDESK_DATA_DIR", str(_tmp))

from .base import *  # noqa: E402, F403
from .base import DATABASES, STORAGES  # noqa: E402

SECRET_KEY = "test-only-not-secret"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = ""
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file (not :memory:) so that threads in concurrency tests share one database.
    DATABASES["default"]["NAME"] = str(_tmp / "test.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": str(_tmp / "test-db.sqlite3")}
AXES_ENABLED = True
LANGUAGE_CODE = "el"
(_tmp / "static").mkdir(exist_ok=True)
SUPPORTDESK_STAFF_MFA = "off"  # the MFA tests (supportdesk/accounts/tests) turn it on
# The API's rate limit out of the way of the other tests (the fuzzer makes thousands of
# calls); supportdesk/api/tests/test_rate_limit.py sets a small one.
SUPPORTDESK_API_RATE = "100000/m"
# Webhook tests post to a receiver on 127.0.0.1 over plain http (the SSRF tests empty the
# allow-list again to see loopback refused).
SUPPORTDESK_WEBHOOK_REQUIRE_HTTPS = False
SUPPORTDESK_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
SUPPORTDESK_WEBHOOK_TIMEOUT = 5.0
# No e-invoicing provider unless a test starts the stand-in (supportdesk/einvoicing/tests),
# which listens on 127.0.0.1 over plain http; a short deadline for its timeout case.
SUPPORTDESK_EINVOICE_PROVIDER_URL = ""
SUPPORTDESK_EINVOICE_REQUIRE_HTTPS = False
SUPPORTDESK_EINVOICE_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
SUPPORTDESK_EINVOICE_TIMEOUT = 1.0
