"""``{% form_token "scope" part ... %}``: the hidden one-time token of a money form (#41)."""

from django import template
from django.utils.html import format_html

from supportdesk.common import idempotency

register = template.Library()


@register.simple_tag(takes_context=True)
def form_token(context, scope: str, *parts) -> str:
    token = idempotency.issue(context["request"].user, scope, *parts)
    return format_html('<input type="hidden" name="{}" value="{}">', idempotency.FIELD, token)
