"""Reads of inbound e-mail (staff only: the admin lists them)."""

from django.db.models import QuerySet

from .models import InboundMessage


def inbound_quarantined() -> QuerySet[InboundMessage]:
    return InboundMessage.objects.filter(status=InboundMessage.Status.QUARANTINED).defer("raw")
