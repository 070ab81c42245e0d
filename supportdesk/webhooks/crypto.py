"""The subscriptions' signing secrets, kept encrypted at rest (docs/security.md #23).

A webhook secret must be readable to sign each delivery (HMAC needs the secret itself, so
it cannot be hashed like a password or an API token). It is stored Fernet-encrypted with a
key derived by HKDF-SHA256 from ``SUPPORTDESK_WEBHOOK_SECRET_KEY``, or ``SECRET_KEY`` when
that is empty, with a salt of its own: a database dump holds only the token. Rotating the
key makes the secrets unreadable: the delivery records that as its error and a manager
makes a new secret on the subscription's page. (The same construction as the mailbox
passwords in ``supportdesk.mail.crypto``, with another salt; mail sits in a layer above.)
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_SALT = b"supportdesk.webhooks.secret.v1"
_INFO = b"webhook-signing-secret"


class SecretUnreadable(Exception):
    """The token was made with another key (or was altered)."""


def _fernet() -> Fernet:
    material = getattr(settings, "SUPPORTDESK_WEBHOOK_SECRET_KEY", "") or settings.SECRET_KEY
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        material.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def secret_encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode("ascii")


def secret_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable("the signing secret cannot be decrypted with the current key; "
                               "make a new secret on the subscription's page") from exc
