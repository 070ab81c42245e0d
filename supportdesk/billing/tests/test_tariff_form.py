"""Issue 14: the manager's tariff form (billing:tariff) instead of raw TOML: it starts from
the version in force, previews a priced job, refuses an invalid grid with the rules
engine's message and saves nothing, and saves a valid one as a new version."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supportdesk.contracts.models import TariffVersion
from supportdesk.contracts.tariff_form import TariffForm, tariff_source
from supportdesk.domain.tariff import load_tariff


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _posted(config) -> dict:
    source = tariff_source(config["tariff"].source_toml)
    initial = TariffForm.initial_from(source, effective_from=timezone.localdate()
                                      + dt.timedelta(days=30))
    data = {}
    for key, value in initial.items():
        if value is None or value is False:
            continue
        data[key] = "on" if value is True else str(value)
    data["version"] = "jewelsoft-test.2"
    return data


@pytest.mark.django_db
def test_the_form_shows_the_tariff_in_force_and_previews_a_priced_job(config, manager):
    client = _client(manager)
    page = client.get(reverse("billing:tariff")).content.decode()
    assert config["tariff"].version in page
    assert 'name="basic__remote__rate_per_hour"' in page
    data = _posted(config)
    data["basic__remote__rate_per_hour"] = "60.00"
    response = client.post(reverse("billing:tariff"), {**data, "preview": "1"})
    assert response.status_code == 200
    # 90 minutes of remote work for Basic at 60 €/h, no allowance left: 90.00 €
    assert "90,00" in response.content.decode()
    assert TariffVersion.objects.count() == 1


@pytest.mark.django_db
def test_an_invalid_grid_is_refused_with_the_engines_message_and_nothing_saved(config, manager):
    # given a channel that is neither included nor priced
    data = _posted(config)
    data.pop("business__onsite__rate_per_hour")
    response = _client(manager).post(reverse("billing:tariff"), {**data, "save": "1"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "onsite" in page and 'role="alert"' in page
    assert TariffVersion.objects.count() == 1


@pytest.mark.django_db
def test_a_valid_grid_is_saved_as_a_new_version_the_engine_reads(config, manager, technician):
    data = _posted(config)
    data["free__phone__rate_per_hour"] = "55.00"
    assert _client(technician).post(reverse("billing:tariff"), {**data, "save": "1"}
                                    ).status_code in (302, 403)
    response = _client(manager).post(reverse("billing:tariff"), {**data, "save": "1"})
    assert response.status_code == 302
    row = TariffVersion.objects.get(version="jewelsoft-test.2")
    tariff = load_tariff(row.source_toml)
    assert str(tariff.tier("free").channel("phone").rate_per_hour) == "55.00"
