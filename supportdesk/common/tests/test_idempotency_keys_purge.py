"""The API's Idempotency-Key rows live a day and go with the daily form-token purge
(``form-tokens-purge`` in config/celery.py; docs/security.md #48)."""

import datetime as dt

import pytest
from django.utils import timezone

from supportdesk.common import api_idempotency
from supportdesk.common.idempotency import form_tokens_purge
from supportdesk.common.models import FormToken, IdempotencyKey
from supportdesk.common.tasks import form_tokens_purge_task
from supportdesk.common.tests.helpers import refused_by_database

pytestmark = pytest.mark.django_db


def _key(key: str, *, user_id: int = 1, age_seconds: int = 0) -> IdempotencyKey:
    row = IdempotencyKey.objects.create(user_id=user_id, key=key, method="POST",
                                        path="/api/v1/tickets/", request_hash="0" * 64,
                                        status_code=201, response_body="{}")
    IdempotencyKey.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=age_seconds))
    return row


def test_the_daily_purge_deletes_keys_older_than_a_day_and_keeps_fresh_ones():
    _key("old", age_seconds=api_idempotency.KEY_MAX_AGE + 60)
    _key("fresh", age_seconds=api_idempotency.KEY_MAX_AGE - 60)
    assert form_tokens_purge_task() == {"deleted": 1}
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]
    assert form_tokens_purge_task() == {"deleted": 0}


def test_one_purge_counts_form_tokens_and_keys_together():
    _key("old", age_seconds=api_idempotency.KEY_MAX_AGE + 60)
    token = FormToken.objects.create(key="old-token", user_id=1, scope="billing.prepaid")
    later = timezone.now() + dt.timedelta(days=2)
    FormToken.objects.filter(pk=token.pk).update(created_at=timezone.now())
    assert form_tokens_purge(now=later) == 2
    assert not IdempotencyKey.objects.exists() and not FormToken.objects.exists()


def test_keys_are_unique_per_user_not_globally():
    _key("same", user_id=1)
    _key("same", user_id=2)
    refused_by_database(lambda: _key("same", user_id=1))


@pytest.mark.parametrize(("raw", "key"), [
    ("abc", "abc"), ('"abc"', "abc"), ('"a"b"', '"a"b"'), ("x" * 255, "x" * 255),
    (" ~", " ~"), ("", None), ('""', None), ("x" * 256, None), ("é", None), ("a\nb", None),
])
def test_parse_key(raw, key):
    assert api_idempotency.parse_key(raw) == key
