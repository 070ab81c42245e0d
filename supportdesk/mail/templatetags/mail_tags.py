"""The full text of e-mailed messages whose quoted history was cut (ticket page).

``{% mail_originals ticket conversation as originals %}`` gives ``{message pk: full text}``
plus ``"ticket"`` for the request's own description when it came by e-mail: one query for
the whole conversation, none when no shown message could have come by e-mail. Only the
messages already shown (``conversation``, scoped to the user by its selector) are looked
up, so it reveals nothing the page does not already show.
"""

from django import template
from django.db.models import Q
from django.utils.translation import gettext_noop

from supportdesk.mail.models import InboundMessage

register = template.Library()

# The summary of the ticket page's <details> (desk/ticket.html, {% translate %}): named here
# so that this app's catalogue (makemessages of supportdesk/mail) keeps its Greek.
SHOW_FULL = gettext_noop("Show full message")


@register.simple_tag
def mail_originals(ticket, messages) -> dict:
    ids = [m.pk for m in messages
           if not m.is_internal and not getattr(m.author, "is_vendor_staff", False)]
    by_mail = getattr(ticket, "received_via", "") == "email"
    if not ids and not by_mail:
        return {}
    where = Q(ticket_message_id__in=ids)
    if by_mail:
        where |= Q(ticket=ticket, ticket_message__isnull=True,
                   status=InboundMessage.Status.CREATED)
    rows = (InboundMessage.objects.filter(where, body_trimmed=True)
            .values_list("ticket_message_id", "body_full"))
    return {message_id or "ticket": full for message_id, full in rows}
