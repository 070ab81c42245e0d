import secrets

from django import template

register = template.Library()


@register.simple_tag
def kb_intake_token() -> str:
    """A random id for one new-request page: its suggestions are counted once and its
    "this solved it" once, however often the customer types or clicks."""
    return secrets.token_urlsafe(18)
