import secrets

from django import template

from supportdesk.knowledge.selectors import ticket_article_links

register = template.Library()


@register.simple_tag
def kb_intake_token() -> str:
    """A random id for one new-request page: its suggestions are counted once and its
    "this solved it" once, however often the customer types or clicks."""
    return secrets.token_urlsafe(18)


@register.inclusion_tag("knowledge/desk/_ticket_articles.html")
def ticket_articles(ticket):
    """The articles a request was solved by, for the staff ticket page."""
    return {"links": ticket_article_links(ticket=ticket)}
