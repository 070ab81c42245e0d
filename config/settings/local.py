"""Embedded default: SQLite file, runs on one machine with no server."""

from .base import *  # noqa: F403
from .base import DATA_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
if not SECRET_KEY:  # noqa: F405
    # A per-installation key kept beside the database, never committed.
    _key_file = DATA_DIR / "secret_key"
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
