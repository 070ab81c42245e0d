"""Knowledge base fixtures: one product both shops hold a licence for, another neither holds;
shop A on a 2026 Basic contract (entitled to updates, §4), shop B without a contract (Free:
not entitled); and one article of each kind, every one about a printer ("ΕΚΤΥΠΩΤΉΣ") so
that one search shows who reads what. The clock is Wednesday 25 November 2026, 12:00 Athens.
"""

import datetime as dt

import pytest
import time_machine

from supportdesk.catalog.tests.factories import ProductFactory
from supportdesk.common.choices import Tier
from supportdesk.common.tests.helpers import at
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.customers.tests.factories import LicenceFactory
from supportdesk.knowledge.services import article_create

NOW = at(2026, 11, 25, 12)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=True):
        yield NOW


@pytest.fixture
def kb(config, org_a, org_b, customer_a, customer_b, technician):
    pos = ProductFactory(code="pos", name="Jewelsoft POS")
    eshop = ProductFactory(code="eshop", name="Jewelsoft e-shop")
    for org in (org_a, org_b):
        LicenceFactory(customer=org, product=pos)
    ContractFactory(customer=org_a, tier=Tier.BASIC, starts_on=dt.date(2026, 1, 1),
                    ends_on=dt.date(2026, 12, 31))

    def article(title, visibility, **kwargs):
        kwargs.setdefault("product", pos)
        return article_create(by=technician, title_el=title, visibility=visibility,
                              body_el=kwargs.pop("body", f"Οδηγίες για {title}."), **kwargs)

    return {
        "pos": pos, "eshop": eshop,
        "published": article("Ο ΕΚΤΥΠΩΤΉΣ ΔΕΝ ΤΥΠΏΝΕΙ", "customers", category="program_fault",
                             title_en="The printer does not print",
                             body="Εγκαταστήστε ξανά τον **οδηγό** του εκτυπωτή."),
        "staff": article("ΕΚΤΥΠΩΤΉΣ: εσωτερικές ρυθμίσεις", "staff"),
        "draft": article("ΕΚΤΥΠΩΤΉΣ πρόχειρο", "draft"),
        "entitled": article("ΕΚΤΥΠΩΤΉΣ μετά την ενημέρωση 26.4", "customers",
                            entitled_only=True),
        "other_product": article("ΕΚΤΥΠΩΤΉΣ του e-shop", "customers", product=eshop),
        "general": article("Πώς ανοίγω αίτημα", "customers", product=None),
    }
