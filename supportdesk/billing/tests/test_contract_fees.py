"""§4 "annual cost": a contract pays its fee for every contract year, the same rule for a
contract signed and one renewed (docs/rules.md "Contract fees per contract year")."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from supportdesk.billing.models import Statement
from supportdesk.billing.services import (
    contract_fee_statement_issue,
    contract_fees_issue_due,
    contract_renew,
)
from supportdesk.billing.tasks import contract_fees_task
from supportdesk.common.choices import Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts.services import contract_create
from supportdesk.contracts.tests.factories import ContractFactory

pytestmark = pytest.mark.django_db


def _fees(contract):
    return list(Statement.objects.filter(kind=Statement.Kind.CONTRACT_FEE, contract=contract)
                .order_by("contract_year").values_list("contract_year", "net_total",
                                                       "period_start", "period_end"))


def test_a_two_year_contract_pays_two_fees_one_as_each_year_starts(config, org_a):
    contract = ContractFactory(customer=org_a, tier=Tier.BUSINESS, annual_fee=Decimal("900.00"),
                               starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2028, 2, 29))
    # the scheduled step on the first day issues the first year's fee, once
    assert len(contract_fees_issue_due(today=dt.date(2026, 3, 1))) == 1
    assert contract_fees_issue_due(today=dt.date(2026, 9, 1)) == []
    assert _fees(contract) == [(1, Decimal("900.00"), dt.date(2026, 3, 1),
                                dt.date(2027, 2, 28))]
    # and on the first day of the second year, the second
    assert contract_fees_task(today="2027-03-01") == {"statements_issued": 1}
    assert contract_fees_task(today="2027-03-02") == {"statements_issued": 0}
    assert _fees(contract) == [
        (1, Decimal("900.00"), dt.date(2026, 3, 1), dt.date(2027, 2, 28)),
        (2, Decimal("900.00"), dt.date(2027, 3, 1), dt.date(2028, 2, 29)),
    ]


def test_each_year_is_billed_once_and_only_years_of_the_contract(config, org_a, manager):
    contract = ContractFactory(customer=org_a, annual_fee=Decimal("600.00"),
                               starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2027, 12, 31))
    contract_fee_statement_issue(contract=contract, by=manager, year=2)
    with pytest.raises(ApplicationError) as refused:
        contract_fee_statement_issue(contract=contract, by=manager, year=2)
    assert refused.value.code == "fee_issued"
    with pytest.raises(ApplicationError) as no_year:
        contract_fee_statement_issue(contract=contract, by=manager, year=3)
    assert no_year.value.code == "fee_year"
    assert [row[0] for row in _fees(contract)] == [2]


def test_a_short_last_year_pays_pro_rata(config, org_a):
    contract = ContractFactory(customer=org_a, annual_fee=Decimal("730.00"),
                               starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2027, 6, 30))
    contract_fees_issue_due(today=dt.date(2027, 1, 1))
    # 181 of the year's 365 days
    assert _fees(contract) == [(2, Decimal("362.00"), dt.date(2027, 1, 1),
                                dt.date(2027, 6, 30))]


def test_free_contracts_pay_no_fee_whether_signed_or_renewed(config, org_a, manager):
    # Free customers buy prepaid hours instead (docs/rules.md "Prepaid hours"): a signed
    # contract and its renewal follow the same rule
    signed = contract_create(customer=org_a, tier=Tier.FREE, starts_on=dt.date(2026, 1, 1),
                             ends_on=dt.date(2026, 12, 31))
    assert signed.annual_fee == Decimal("0.00")
    renewed = contract_renew(contract=signed, by=manager)
    assert renewed.annual_fee == Decimal("0.00")
    assert contract_fees_issue_due(today=dt.date(2026, 1, 1)) == []
    assert not Statement.objects.filter(kind=Statement.Kind.CONTRACT_FEE).exists()


@time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_renewal_bills_the_first_year_of_the_new_contract(config, org_a, manager):
    contract = ContractFactory(customer=org_a, tier=Tier.BUSINESS, annual_fee=Decimal("900.00"),
                               starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2026, 12, 31))
    renewed = contract_renew(contract=contract, by=manager, annual_fee=Decimal("960.00"))
    # the old contract ran two years, so does the renewal; its first year is billed now
    assert (renewed.starts_on, renewed.ends_on) == (dt.date(2027, 1, 1), dt.date(2028, 12, 31))
    assert _fees(renewed) == [(1, Decimal("960.00"), dt.date(2027, 1, 1),
                               dt.date(2027, 12, 31))]
    # and its second year when that starts
    contract_fees_issue_due(today=dt.date(2028, 1, 1))
    assert [row[0] for row in _fees(renewed)] == [1, 2]
