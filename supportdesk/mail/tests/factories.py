"""Raw e-mail builders for the mail tests."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import default

from supportdesk.notifications.tokens import header_token, subject_token


def raw_mail(*, sender: str = "maria@alfa.gr", subject: str = "Δοκιμή", body: str = "Καλημέρα",
             message_id: str | None = None, headers: dict[str, str] | None = None,
             attachments: list[tuple[str, str, bytes]] = ()) -> bytes:
    msg = EmailMessage(policy=default)
    msg["From"] = sender
    msg["To"] = "support@jewelsoft.example"
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    for name, ctype, data in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def fill(raw: bytes, world) -> bytes:
    """Put the real reply tokens (ids differ between databases) into a corpus message."""
    t1, t2, t3 = world["t1"], world["t2"], world["t3"]
    bad = subject_token(t1.pk).rsplit("-", 1)[0] + "-000000000000]"
    for key, value in {
        "{{T1}}": subject_token(t1.pk), "{{T2}}": subject_token(t2.pk),
        "{{T3}}": subject_token(t3.pk), "{{T1H}}": header_token(t1.pk), "{{T1BAD}}": bad,
    }.items():
        raw = raw.replace(key.encode(), value.encode())
    return raw
