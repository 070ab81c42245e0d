"""Reply tokens (docs/security.md #17): their format, and that only our HMAC verifies."""

import re

import pytest

from supportdesk.notifications.tokens import (
    header_token,
    subject_token,
    subject_without_token,
    token_verify,
    tokens_find,
)


def test_the_token_formats():
    assert re.fullmatch(r"\[#000123-[0-9a-f]{12}\]", subject_token(123))
    assert re.fullmatch(r"ticket-000123-[0-9a-f]{12}", header_token(123))
    assert subject_token(123)[2:-1] == header_token(123).removeprefix("ticket-")


def test_tokens_are_found_in_the_subject_and_the_references():
    references = f"<other@x> <{header_token(7)}.abc@jewelsoft.example>"
    assert tokens_find(f"Re: {subject_token(42)}", references) == ([42, 7], False)
    assert subject_without_token(f"Re: {subject_token(42)}  Βλάβη") == "Re: Βλάβη"


def test_tokens_verify_only_with_our_secret(settings):
    token = subject_token(42)
    assert tokens_find(f"Re: {token}", "") == ([42], False)
    digest = token.split("-")[1].rstrip("]")
    assert token_verify(42, digest)
    assert not token_verify(43, digest)  # moved to another request
    settings.SECRET_KEY = "another-secret"
    assert not token_verify(42, digest)
    assert tokens_find(f"Re: {token}", "") == ([], True)


@pytest.mark.parametrize("tampered", ["[#000042-000000000000]", "[#000043-{d}]"])
def test_a_tampered_token_is_reported_bad(tampered):
    digest = subject_token(42).split("-")[1].rstrip("]")
    assert tokens_find(tampered.format(d=digest), "") == ([], True)
