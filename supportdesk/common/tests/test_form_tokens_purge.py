"""Claimed form tokens are kept only as long as their tokens are valid (docs/security.md #41)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from supportdesk.accounts.tests.factories import ManagerFactory
from supportdesk.common import idempotency
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.models import FormToken
from supportdesk.common.tasks import form_tokens_purge_task

pytestmark = pytest.mark.django_db


def test_claims_older_than_a_token_lives_are_purged_and_fresh_ones_kept():
    now = timezone.now()
    old = FormToken.objects.create(key="old", user_id=1, scope="billing:prepaid_sale")
    fresh = FormToken.objects.create(key="fresh", user_id=1, scope="billing:prepaid_sale")
    FormToken.objects.filter(pk=old.pk).update(
        created_at=now - dt.timedelta(seconds=idempotency.MAX_AGE + 60))
    assert form_tokens_purge_task() == {"deleted": 1}
    assert list(FormToken.objects.values_list("key", flat=True)) == [fresh.key]
    assert form_tokens_purge_task() == {"deleted": 0}


def test_a_token_past_its_age_is_refused_once_its_claim_is_gone():
    manager = ManagerFactory()
    token = idempotency.issue(manager, "billing:prepaid_sale")
    later = timezone.now() + dt.timedelta(seconds=idempotency.MAX_AGE + 60)
    with time_machine.travel(later, tick=False):
        idempotency.form_tokens_purge()
        with pytest.raises(ApplicationError) as refused:
            idempotency.verify(token, user=manager, scope="billing:prepaid_sale")
    assert refused.value.code == "form_token"
