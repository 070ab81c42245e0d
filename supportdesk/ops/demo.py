"""A believable Jewelsoft for the demo and for trying the product by hand.

A dozen Greek jewellery shops (Athens suburbs and out-of-town), all three tiers, licences,
a year of support requests with their work, and staff and customer logins. Everything goes
through the same services the product uses, so the demo data obeys every rule (§1-§12).
Deterministic: the same seed gives the same company.
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from stdnum.gr import vat

from supportdesk.accounts.models import User
from supportdesk.agreements.services import quote_issue
from supportdesk.billing.models import Statement, VendorProfile
from supportdesk.billing.selectors import customer_hold_state
from supportdesk.billing.services import (
    billing_run,
    prepaid_purchase_create,
    statement_mark_paid,
)
from supportdesk.catalog.models import Product, Release
from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts.selectors import calendar_get_default
from supportdesk.contracts.services import contract_create
from supportdesk.customers.models import Customer, Licence
from supportdesk.customers.services import customer_create
from supportdesk.ops.demo_knowledge import load_knowledge
from supportdesk.satisfaction.models import Rating
from supportdesk.satisfaction.services import rating_record
from supportdesk.tickets.models import Message, Ticket, TicketEvent
from supportdesk.tickets.services import (
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_reply,
)
from supportdesk.worklog.services.emergencies import emergency_accept, emergency_intake
from supportdesk.worklog.services.entries import work_entry_create
from supportdesk.worklog.services.remote import remote_session_record
from supportdesk.worklog.services.visits import visit_schedule

ATHENS = ZoneInfo("Europe/Athens")
DEMO_PASSWORD = "demo-2026!"  # noqa: S105 - printed for the demo logins, local use only

PRODUCTS = [
    ("jewel-pos", "Jewelsoft Λιανική (POS)", Decimal("2400.00")),
    ("jewel-stock", "Jewelsoft Αποθήκη & Καράτια", Decimal("1800.00")),
    ("jewel-repairs", "Jewelsoft Επισκευές & Παραγγελίες", Decimal("900.00")),
    ("jewel-eshop", "Jewelsoft e-shop connector", Decimal("1200.00")),
]

# name, city, postal code, out of town, distance km, tier
SHOPS = [
    ("Κοσμήματα Λαμπρόπουλος Ο.Ε.", "Κηφισιά", "14562", False, 0, "business"),
    ("Χρυσοχοΐα Αθανασίου", "Γλυφάδα", "16675", False, 0, "business"),
    ("Ωρολογοποιείο Παπαδάκη", "Μαρούσι", "15124", False, 0, "basic"),
    ("Κόσμημα & Τέχνη Ι.Κ.Ε.", "Χαλάνδρι", "15231", False, 0, "basic"),
    ("Διαμάντι Πειραιά Α.Ε.", "Πειραιάς", "18531", False, 0, "free"),
    ("Αργυροχοΐα Νέας Σμύρνης", "Νέα Σμύρνη", "17121", False, 0, "free"),
    ("Χρυσός Θεσσαλονίκης Α.Ε.", "Θεσσαλονίκη", "54624", True, 502, "business"),
    ("Κοσμηματοπωλείο Πάτρας", "Πάτρα", "26221", True, 215, "basic"),
    ("Ηράκλειο Gold", "Ηράκλειο", "71202", True, 320, "basic"),
    ("Ασήμι Ιωαννίνων", "Ιωάννινα", "45221", True, 420, "free"),
    ("Λάρισα Κοσμήματα Ε.Π.Ε.", "Λάρισα", "41222", True, 350, "business"),
    ("Ρόδος Jewels", "Ρόδος", "85100", True, 430, "free"),
]

STAFF = [
    ("manager", "Ελένη", "Κωνσταντίνου", User.Role.MANAGER),
    ("tech1", "Γιώργος", "Νικολάου", User.Role.TECHNICIAN),
    ("tech2", "Κατερίνα", "Δημητρίου", User.Role.TECHNICIAN),
    ("tech3", "Νίκος", "Αλεξίου", User.Role.TECHNICIAN),
]

SUBJECTS = [
    ("program_fault", "Δεν τυπώνει η ταμειακή μετά την ενημέρωση"),
    ("program_fault", "Λάθος υπολογισμός βάρους σε καράτια"),
    ("how_to", "Πώς περνάω επιστροφή είδους;"),
    ("how_to", "Εκτύπωση ετικετών με barcode"),
    ("data", "Διόρθωση αποθέματος χρυσού 18Κ"),
    ("installation", "Εγκατάσταση σε νέο υπολογιστή ταμείου"),
    ("training", "Εκπαίδευση νέας υπαλλήλου στις παραγγελίες"),
    ("program_fault", "Το e-shop δεν συγχρονίζει τιμές"),
    ("greek_display", "Τα ελληνικά εμφανίζονται ως ερωτηματικά στον εκτυπωτή"),
    ("network_storage", "Ο δίσκος του server γέμισε"),
    ("virus", "Ιός στο PC του γραφείου"),
    ("how_to", "Κλείσιμο ημέρας και Ζ ταμειακής"),
]


@dataclass
class DemoResult:
    created: bool
    #: (username, password, who, situation): what a visitor needs to pick a login
    logins: list[tuple[str, str, str, str]]


def _afm(n: int) -> str:
    body = f"{(80000000 + n * 104729) % 100000000:08d}"
    return body + vat.calc_check_digit(body)


def demo_logins(today: dt.date | None = None) -> list[tuple[str, str, str, str]]:
    """Each demo login with who it is and the situation worth trying it for: the staff
    role, and for a shop its tier today, whether it is on support hold (§11) and out of
    town (§9), read from the database (what the pages will show)."""
    today = today or timezone.localdate()
    rows = []
    for username, first, last, role in STAFF:
        rows.append((username, DEMO_PASSWORD, f"{first} {last}", str(role.label)))
    for n, (name, *_rest) in enumerate(SHOPS, start=1):
        username = f"shop{n:02d}"
        user = User.objects.filter(username=username).select_related("customer").first()
        situation = []
        if user is not None and user.customer is not None:
            customer = user.customer
            contract = customer.contracts.filter(starts_on__lte=today,
                                                 ends_on__gte=today).first()
            situation.append(contract.get_tier_display() if contract else gettext("Free"))
            if customer_hold_state(customer.pk, today).is_on_hold:
                situation.append(gettext("ON SUPPORT HOLD (§11)"))
            if customer.is_out_of_town:
                situation.append(gettext("out of town (§9)"))
        rows.append((username, DEMO_PASSWORD, name, ", ".join(situation)))
    return rows


def demo_now(calendar, real_now: dt.datetime) -> dt.datetime:
    """The moment the demo's "today" is told from: now, if it is working time, otherwise
    the last working minute before now. Loaded at 03:38, the queue reads as if the day had
    just closed (yesterday 17:59): nothing is received, answered or worked later than the
    clock on the wall, and the showcase requests arrive in working hours."""
    moment = real_now.astimezone(ATHENS).replace(second=0, microsecond=0)
    for _ in range(24 * 21):  # three weeks covers the summer closure
        if calendar.next_working_moment(moment) == moment:
            return moment
        moment = (moment - dt.timedelta(hours=1)).replace(minute=59)
    return real_now


def load_demo(*, today: dt.date, seed: int = 2026, now: dt.datetime | None = None) -> DemoResult:
    """Create the demo company unless it exists; returns the logins to print. ``now`` (the
    real clock by default) bounds every demo moment: none is later than it."""
    if User.objects.filter(username="manager").exists():
        return DemoResult(created=False, logins=demo_logins(today))
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    with transaction.atomic():
        _vendor()
        staff = _staff()
        products = _products(today)
        customers = _customers(rng, products, today)
    manager = staff[0]
    technicians = staff[1:]
    real_now = now or timezone.now()
    _history(rng, customers, products, technicians, manager, today, real_now)
    _billing(manager, today, real_now)
    load_knowledge(author=technicians[0], customers=customers, seed=seed)
    _ratings(rng, real_now)
    return DemoResult(created=True, logins=demo_logins(today))


def _vendor() -> None:
    """The vendor's own details, printed on every statement (fictional for the demo)."""
    VendorProfile.objects.update_or_create(pk=1, defaults={
        "name": "Jewelsoft Μονοπρόσωπη Ι.Κ.Ε.", "address": "Λεωφ. Συγγρού 120",
        "city": "Αθήνα", "postal_code": "11741", "tax_number": _afm(99),
        "tax_office": "Κ' Αθηνών", "iban": "GR1601101250000000012300695",
        "phone": "2109000000", "email": "support@jewelsoft.example",
    })


def _staff() -> list[User]:
    users = []
    for username, first, last, role in STAFF:
        user = User(username=username, first_name=first, last_name=last, role=role,
                    email=f"{username}@jewelsoft.example", is_staff=role == User.Role.MANAGER,
                    is_superuser=role == User.Role.MANAGER)
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
        users.append(user)
    return users


def _products(today: dt.date) -> list[Product]:
    products = []
    for code, name, _value in PRODUCTS:
        product = Product.objects.create(code=code, name=name)
        for n, months_ago in enumerate((11, 7, 3, 1)):
            Release.objects.create(
                product=product, version=f"26.{n + 1}",
                released_on=today - dt.timedelta(days=30 * months_ago),
                notes="Διορθώσεις και βελτιώσεις· νέες αναφορές αποθήκης.",
            )
        products.append(product)
    return products


def _customers(rng: random.Random, products: list[Product], today: dt.date) -> list[Customer]:
    customers = []
    # Contracts started eleven months ago: in force today, and up for renewal soon.
    start = (today.replace(day=1) - dt.timedelta(days=320)).replace(day=1)
    for n, (name, city, postal, out_of_town, km, tier) in enumerate(SHOPS, start=1):
        customer = customer_create(
            name=name, tax_number=_afm(n), tax_office=city, city=city,
            address=f"Οδός Ερμού {n * 3}", postal_code=postal, phone=f"210{n:07d}",
            email=f"shop{n:02d}@example.gr", is_out_of_town=out_of_town, distance_km=km,
        )
        owned = rng.sample(products, k=rng.randint(1, 3))
        for product in owned:
            value = {c: v for c, _n, v in PRODUCTS}[product.code]
            Licence.objects.create(customer=customer, product=product, value=value,
                                   licensed_on=start - dt.timedelta(days=400))
        if tier != "free":
            contract_create(customer=customer, tier=tier, starts_on=start,
                            ends_on=start.replace(year=start.year + 1) - dt.timedelta(days=1))
        user = User(username=f"shop{n:02d}", first_name="Υπεύθυνος", last_name=city,
                    email=f"owner{n:02d}@example.gr", role=User.Role.CUSTOMER,
                    customer=customer)
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
        customers.append(customer)
    return customers


def _working_moment(rng: random.Random, day: dt.date) -> dt.datetime:
    hour, minute = rng.randint(10, 16), rng.choice((0, 15, 30, 45))
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ATHENS)


def _fits_in_hours(calendar, after: dt.datetime, minutes: int) -> dt.datetime:
    """The first working moment from ``after`` where ``minutes`` of work end before closing."""
    start = calendar.next_working_moment(after)
    for _ in range(30):
        end = start + dt.timedelta(minutes=minutes)
        if calendar.out_of_hours_minutes(start, end) == 0:
            return start
        next_day = (start.astimezone(ATHENS) + dt.timedelta(days=1)).replace(hour=10, minute=0)
        start = calendar.next_working_moment(next_day)
    return start


def _backdate(ticket, moments: list[dt.datetime]) -> None:
    """Give the log rows of a replayed past request the moments they describe.

    Services stamp messages and events with the clock; the demo replays a year in a few
    seconds, so it moves those stamps back to the simulated moments (demo data only).
    """
    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("id"))
    for event, moment in zip(events, moments, strict=False):
        TicketEvent.objects.filter(pk=event.pk).update(created_at=moment)
    for message in Message.objects.filter(ticket=ticket).order_by("id"):
        Message.objects.filter(pk=message.pk).update(created_at=moments[min(2, len(moments) - 1)],
                                                     updated_at=moments[-1])


def _history(rng, customers, products, technicians, manager, today, real_now) -> None:
    calendar = calendar_get_default()
    first_day = today - dt.timedelta(days=365)
    now = demo_now(calendar, real_now)
    channels = ["phone", "phone", "phone", "remote", "remote", "office", "onsite"]
    for customer in customers:
        if not customer.contracts.exists():
            _prepaid(customer, manager, first_day + dt.timedelta(days=3), hours=10)
        licensed = [lic.product for lic in customer.licences.all()]
        contact = customer.users.first()
        for _ in range(rng.randint(14, 26)):
            day = first_day + dt.timedelta(days=rng.randint(0, 350))
            received = calendar.next_working_moment(_working_moment(rng, day))
            category, subject = rng.choice(SUBJECTS)
            ticket = ticket_create(
                customer=customer, subject=subject, category=category,
                body="Ο πελάτης τηλεφώνησε και περιέγραψε το πρόβλημα.",
                received_via=rng.choice(["phone", "phone", "portal", "email"]),
                product=rng.choice(licensed), contact=contact, received_at=received,
                by=manager, now=received,
            )
            tech = rng.choice(technicians)
            ticket_assign(ticket=ticket, assignee=tech, by=manager)
            # Most answers come within the target; some are late, as in real life.
            answered = calendar.add_working_minutes(received, rng.choice(
                (5, 20, 45, 90, 180, 300, 600, 1200)))
            ticket_reply(ticket=ticket, body="Το εξετάζουμε και σας ενημερώνουμε.", by=tech,
                         now=answered)
            minutes = rng.choice((10, 15, 20, 30, 45, 60, 90, 120))
            start = _fits_in_hours(calendar, answered, minutes)
            channel = rng.choice(channels)
            if not ticket.is_out_of_scope:
                try:
                    work_entry_create(
                        ticket=ticket, technician=tech, channel=channel, started_at=start,
                        ended_at=start + dt.timedelta(minutes=minutes),
                        kind="training" if category == "training" else "support",
                        description="Διάγνωση και επίλυση.", by=tech,
                    )
                except ApplicationError as exc:
                    # A technician's work may not overlap (issue 9): the random slot was
                    # taken, so this request got no measured work.
                    if exc.code != "overlap":
                        raise
            done = start + dt.timedelta(minutes=minutes + 5)
            moments = [received, received, answered, start, done]
            if done < now - dt.timedelta(days=7):
                ticket_change_status(ticket=ticket, status=Ticket.Status.RESOLVED, by=tech,
                                     now=done)
            _backdate(ticket, moments)
    # Today's queue, spread over the SLA states (on time, at risk, breached).
    for n, customer in enumerate(customers[:9]):
        received = now - dt.timedelta(hours=[1, 3, 6, 20, 26, 30, 50, 70, 75][n])
        category, subject = SUBJECTS[n % len(SUBJECTS)]
        ticket = ticket_create(
            customer=customer, subject=subject, category=category,
            body="Ανοιχτό αίτημα για την επίδειξη της ουράς.", received_via="phone",
            product=customer.licences.first().product, contact=customer.users.first(),
            received_at=received, by=manager, now=now,
        )
        if n % 2:
            ticket_assign(ticket=ticket, assignee=technicians[n % len(technicians)], by=manager)
    _showcase(customers, technicians, manager, calendar, now, real_now)


def _showcase(customers, technicians, manager, calendar, now, real_now) -> None:
    """One example of each §-rule a visitor will want to see: an out-of-hours emergency
    (§7), a supervised remote session (§2), an out-of-town visit (§9), an out-of-scope
    request awaiting its quote (§10)."""
    tech = technicians[0]
    business = customers[0]
    last_saturday = (now - dt.timedelta(days=(now.weekday() - 5) % 7 or 7)).replace(hour=11)
    emergency = emergency_intake(
        customer=business, subject="Έκτακτο: η ταμειακή δεν ανοίγει Σάββατο πρωί",
        body="Μήνυμα στο κινητό: το κατάστημα είναι ανοιχτό και δεν μπορεί να κόψει αποδείξεις.",
        contact_name="Κ. Λαμπρόπουλος", received_at=last_saturday - dt.timedelta(hours=1),
        product=business.licences.first().product, by=tech,
    )
    emergency_accept(ticket=emergency, by=tech, reason="Κατάστημα σε λειτουργία χωρίς ταμειακή.")
    ticket_reply(ticket=emergency, body="Συνδέομαι τώρα απομακρυσμένα.", by=tech,
                 now=last_saturday - dt.timedelta(minutes=5))
    work_entry_create(ticket=emergency, technician=tech, channel="remote",
                      started_at=last_saturday, ended_at=last_saturday + dt.timedelta(minutes=50),
                      description="Επανεκκίνηση υπηρεσίας φορολογικού μηχανισμού.", by=tech)

    basic = customers[2]
    remote_ticket = ticket_create(
        customer=basic, subject="Αργεί πολύ η αναζήτηση ειδών", body="Από χθες.",
        received_via="phone", product=basic.licences.first().product, by=tech,
        received_at=now - dt.timedelta(hours=2), now=now,
    )
    start = calendar.next_working_moment(now - dt.timedelta(hours=1))
    if start + dt.timedelta(minutes=35) > real_now:
        # Work is what was worked (issue 9): loaded before noon, the session is the one
        # that has just ended.
        start = real_now - dt.timedelta(minutes=40)
    remote_session_record(
        ticket=remote_ticket, technician=tech, tool="AnyDesk", session_id="718 442 901",
        started_at=start, ended_at=start + dt.timedelta(minutes=35),
        has_customer_consent=True, consent_given_by="Υπεύθυνος καταστήματος",
        description="Αναδημιουργία ευρετηρίων βάσης.", by=tech,
    )

    far = next(c for c in customers if c.is_out_of_town and c.contracts.exists())
    visit_ticket = ticket_create(
        customer=far, subject="Εγκατάσταση νέου ταμείου στο κατάστημα",
        body="Χρειάζεται επίσκεψη για την εγκατάσταση.", received_via="phone",
        category="installation", product=far.licences.first().product, by=tech,
        received_at=now - dt.timedelta(hours=3), now=now,
    )
    visit_day = calendar.next_working_moment(now + dt.timedelta(days=3)).replace(hour=11,
                                                                                minute=0)
    visit_schedule(ticket=visit_ticket, technician=technicians[1], location="onsite",
                   starts_at=visit_day, ends_at=visit_day + dt.timedelta(hours=3),
                   notes="Μαζί ο νέος εκτυπωτής αποδείξεων.", by=manager)

    scope_ticket = ticket_create(
        customer=customers[1], subject="Ο server του καταστήματος έχει ιό",
        body="Εμφανίζονται αναδυόμενα παράθυρα.", received_via="phone", category="virus",
        by=tech, received_at=now - dt.timedelta(hours=5), now=now,
    )
    quote_issue(ticket=scope_ticket, by=manager, amount=Decimal("120.00"),
                 description="Καθαρισμός από ιούς και έλεγχος αντιγράφων ασφαλείας "
                             "(εκτός υποστήριξης, §10).")


def _prepaid(customer, manager, day, *, hours: int) -> None:
    prepaid_purchase_create(customer=customer, hours=hours, on=day, by=manager)


def _billing(manager, today: dt.date, real_now: dt.datetime) -> None:
    """Bill every finished month; customers pay everything but the last two months, and
    one of them leaves an older statement unpaid, so it is on support hold (§11)."""
    month = (today.replace(day=1) - dt.timedelta(days=365)).replace(day=1)
    this_month = today.replace(day=1)
    while month < this_month:
        next_month = (month + dt.timedelta(days=32)).replace(day=1)
        # (on the 1st before 09:00 the month's run is the one that has just happened)
        issued = min(dt.datetime.combine(next_month, dt.time(9), tzinfo=ATHENS), real_now)
        billing_run(period_start=month, period_end=next_month - dt.timedelta(days=1), by=manager,
                    now=issued)
        month = next_month
    recent = today - dt.timedelta(days=25)
    late_customer = Customer.objects.order_by("pk")[4]
    unpaid = Statement.objects.filter(status=Statement.Status.ISSUED)
    for statement in unpaid.order_by("issued_at"):
        is_recent = statement.issued_at.date() >= recent
        if is_recent or (statement.customer_id == late_customer.pk and statement.total > 0):
            continue
        statement_mark_paid(statement=statement, by=manager,
                            paid_at=statement.issued_at + dt.timedelta(days=12))


GOOD_COMMENTS = [
    "Πολύ γρήγορη εξυπηρέτηση, ευχαριστούμε!",
    "Ο τεχνικός ήταν πολύ εξυπηρετικός και τα εξήγησε όλα.",
    "Λύθηκε από το πρώτο τηλεφώνημα.",
    "Άψογοι, όπως πάντα.",
]
POOR_COMMENTS = [
    "Περιμέναμε πολύ για απάντηση, το κατάστημα δούλευε χωρίς ταμειακή.",
    "Χρειάστηκαν τρία τηλεφωνήματα για να λυθεί.",
    "Η χρέωση μας φάνηκε υψηλή για τόσο μικρή δουλειά.",
]


def _ratings(rng, real_now: dt.datetime) -> None:
    """Customers rate about 60% of the resolved requests (the satisfaction survey): mostly
    good, more often poor when the response was late or breached; some leave a comment."""
    resolved = Ticket.objects.filter(status=Ticket.Status.RESOLVED, contact__isnull=False,
                                     resolved_at__isnull=False).order_by("pk")
    for ticket in resolved:
        if rng.random() > 0.6:
            continue
        late = ticket.sla_outcome in (Ticket.SlaOutcome.LATE, Ticket.SlaOutcome.BREACHED)
        score = (Rating.Score.POOR if rng.random() < (0.45 if late else 0.12)
                 else Rating.Score.GOOD)
        comments = POOR_COMMENTS if score == Rating.Score.POOR else GOOD_COMMENTS
        comment = rng.choice(comments) if rng.random() < 0.35 else ""
        rated_at = min(ticket.resolved_at + dt.timedelta(hours=rng.randint(1, 72)), real_now)
        rating_record(ticket=ticket, by=ticket.contact, score=score, comment=comment,
                      via=rng.choice([Rating.Via.MAIL, Rating.Via.MAIL, Rating.Via.PORTAL]),
                      now=rated_at)
