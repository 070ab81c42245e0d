"""The database keys must be the rules engine's keys, or pricing would look up nothing."""

import pytest

from supportdesk.common.choices import Channel, Priority, Tier, WorkKind
from supportdesk.domain import sla, tariff


@pytest.mark.parametrize(
    ("db_choices", "domain_enum"),
    [(Tier, tariff.Tier), (Channel, tariff.Channel), (WorkKind, tariff.WorkKind),
     (Priority, sla.Priority)],
)
def test_choices_mirror_the_domain_enums(db_choices, domain_enum):
    assert set(db_choices.values) == {member.value for member in domain_enum}
