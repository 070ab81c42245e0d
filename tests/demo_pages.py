"""Every staff and customer page over the demo company, for the checks that visit them all
(tests/browser/test_responsive.py at phone and desktop width, tests/i18n for Greek slips).

A page added to the desk or the portal belongs here, so that both checks see it."""

from django.urls import reverse

from supportdesk.accounts.models import User
from supportdesk.billing.models import Statement
from supportdesk.knowledge.models import Article
from supportdesk.knowledge.selectors import articles_for_customer
from supportdesk.tickets.models import Ticket
from supportdesk.worklog.models import Visit, WorkEntry


def staff_pages() -> list[str]:
    """The pages of a manager (who sees every technician page too)."""
    ticket = Ticket.objects.filter(status__in=("new", "open")).order_by("pk").first()
    statement = Statement.objects.order_by("pk").first()
    held = User.objects.get(username="shop05").customer_id
    pages = [
        reverse("desk:queue"), reverse("desk:ticket_new"), reverse("desk:ticket", args=[ticket.pk]),
        reverse("desk:dashboard"), reverse("desk:quote_list"),
        reverse("worklog:ticket_work", args=[ticket.pk]), reverse("worklog:visit_list"),
        reverse("worklog:calendar_feed"), reverse("worklog:emergency_create"),
        reverse("billing:home"), reverse("billing:renewals"), reverse("billing:tariff"),
        reverse("billing:calendar"),
        reverse("billing:statement", args=[statement.pk]),
        reverse("billing:usage", args=[held]), reverse("billing:hold", args=[held]),
        reverse("billing:prepaid_sale", args=[held]),
        reverse("einvoicing:home"), reverse("einvoicing:statement", args=[statement.pk]),
        reverse("notifications:inbox"), reverse("notifications:preferences"),
        reverse("notifications:outbox"), reverse("accounts:mfa_staff"),
        reverse("password_change"), reverse("admin:index"),
        reverse("admin:contracts_tariffversion_changelist"),
    ]
    article = Article.objects.order_by("pk").first()
    if article is not None:
        pages += [reverse("knowledge:list"), reverse("knowledge:new"),
                  reverse("knowledge:article", args=[article.pk]),
                  reverse("knowledge:edit", args=[article.pk]),
                  reverse("knowledge:history", args=[article.pk]),
                  reverse("knowledge:revision", args=[article.pk, 1])]
    entry = WorkEntry.objects.order_by("-pk").first()  # the newest: not locked by a statement
    if entry is not None:
        pages += [reverse("worklog:entry_detail", args=[entry.pk]),
                  reverse("worklog:entry_edit", args=[entry.pk])]
    visit = Visit.objects.filter(status=Visit.Status.SCHEDULED).order_by("pk").first()
    if visit is not None:
        pages += [reverse("worklog:visit_edit", args=[visit.pk]),
                  reverse("worklog:visit_complete", args=[visit.pk])]
    return pages


def customer_pages(user: User) -> list[str]:
    """The pages of a customer user (``shop01`` in the demo)."""
    ticket = Ticket.objects.filter(customer=user.customer).order_by("-pk").first()
    pages = [reverse("portal:home"), reverse("portal:ticket_new"),
             reverse("portal:ticket", args=[ticket.pk]), reverse("portal:releases"),
             reverse("portal:statements"), reverse("portal:terms"),
             reverse("notifications:inbox"), reverse("notifications:preferences"),
             reverse("portal:kb:list")]
    article = articles_for_customer(user=user).order_by("pk").first()
    if article is not None:
        pages.append(reverse("portal:kb:article", args=[article.pk]))
    return pages
