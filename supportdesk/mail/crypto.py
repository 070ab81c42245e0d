"""Secrets kept in the database encrypted at rest (a mailbox's IMAP password).

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with a key derived by HKDF-SHA256
from ``settings.MAIL_SECRET_KEY``, or from ``SECRET_KEY`` when that is empty, with a salt of
its own: a database dump holds only the token, useless without the key from the environment.
Rotating the key makes stored passwords unreadable (``SecretUnreadable``): the poll records
that as the mailbox's error and a manager re-enters the password in the admin.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_SALT = b"supportdesk.mail.secret.v1"
_INFO = b"mailbox-password"


class SecretUnreadable(Exception):
    """The token was made with another key (or was altered)."""


def _fernet() -> Fernet:
    material = getattr(settings, "MAIL_SECRET_KEY", "") or settings.SECRET_KEY
    if not material:
        raise ImproperlyConfigured("MAIL_SECRET_KEY or SECRET_KEY is needed to keep mailbox "
                                   "passwords")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        material.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def secret_encrypt(plain: str) -> str:
    if not plain:
        return ""
    return _fernet().encrypt(plain.encode()).decode("ascii")


def secret_decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable("the stored password cannot be decrypted with the current "
                               "MAIL_SECRET_KEY/SECRET_KEY; enter it again") from exc
