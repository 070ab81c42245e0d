"""Two-factor authentication for staff (docs/security.md #15; ASVS 6.3.2, 6.4.3, 6.5.1).

Runs on SQLite and on PostgreSQL (DATABASE_URL). Time is pinned with time-machine so that
TOTP steps and throttling windows are deterministic.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from supportdesk.accounts import services
from supportdesk.accounts.models import MfaEvent, User
from supportdesk.accounts.tests.factories import PASSWORD, TechnicianFactory, device_code

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 9, 0, 5, tzinfo=UTC)  # 5 s into a 30 s step
VERIFY = "/accounts/mfa/verify/"
SETUP = "/accounts/mfa/setup/"
LOGIN = "/accounts/login/"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _password_login(user) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def _verify(client: Client, code: str, next_url: str = ""):
    return client.post(VERIFY, {"code": code, "next": next_url})


def _is_verified(client: Client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


# --------------------------------------------------------------------- the gate


def test_password_only_staff_session_is_sent_to_verify_with_the_page_it_wanted(
        staff_mfa, technician, totp_for, config):
    totp_for(technician)
    client = _password_login(technician)
    response = client.get(reverse("desk:queue"))
    assert response.status_code == 302
    assert response["Location"] == VERIFY + "?next=%2Fdesk%2F"


def test_staff_without_an_authenticator_is_sent_to_enrolment(staff_mfa, technician, config):
    client = _password_login(technician)
    response = client.get(reverse("desk:queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_api_refuses_a_password_only_staff_session_and_serves_a_verified_one(
        staff_mfa, technician, totp_for, config, clock):
    device = totp_for(technician)
    client = _password_login(technician)
    refused = client.get("/api/v1/tickets/")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/json"
    assert _verify(client, device_code(device)).status_code == 302
    assert client.get("/api/v1/tickets/").status_code == 200


def test_customers_are_not_asked_for_a_second_factor(staff_mfa, customer_a, config):
    client = _password_login(customer_a)
    assert client.get(reverse("portal:home")).status_code == 200
    # and the two-factor pages are not offered to them (yet)
    assert client.get(SETUP).status_code == 403


def test_with_the_setting_off_staff_need_only_the_password(settings, technician, config):
    settings.SUPPORTDESK_STAFF_MFA = "off"
    client = _password_login(technician)
    assert client.get(reverse("desk:queue")).status_code == 200


def test_static_files_and_language_switch_stay_reachable(staff_mfa, technician, totp_for):
    totp_for(technician)
    client = _password_login(technician)
    response = client.post(reverse("set_language"), {"language": "en", "next": VERIFY})
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert client.get(VERIFY).status_code == 200


# --------------------------------------------------------------------- enrolment


def test_enrolment_shows_qr_and_secret_confirms_with_a_code_and_shows_ten_codes_once(
        staff_mfa, technician, config, clock):
    client = _password_login(technician)
    page = client.get(SETUP)
    assert page.status_code == 200
    body = page.content.decode()
    # (no inline script: the only scripts are files, like the header menu's)
    assert "<svg" in body and " style=" not in body
    scripts = re.findall(r"<script\b[^>]*>", body)
    assert scripts and all(re.fullmatch(r'<script src="/static/[\w/.-]+\.js" defer>', tag)
                           for tag in scripts), scripts
    device = TOTPDevice.objects.get(user=technician)
    assert device.confirmed is False
    assert page.context["secret"].replace(" ", "")  # the key as text, for typing in
    # a reload shows the same pending device (the phone may already have scanned it)
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=technician).count() == 1

    # when the right code is typed
    done = client.post(SETUP, {"code": device_code(device), "next": "/desk/"})

    # then the device is confirmed, the session verified, and ten codes are shown
    assert done.status_code == 200
    assert "no-store" in done["Cache-Control"]
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert code in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed is True
    assert StaticToken.objects.filter(device__user=technician).count() == 10
    assert _is_verified(client)
    assert client.get(reverse("desk:queue")).status_code == 200
    assert MfaEvent.objects.filter(user=technician, kind=MfaEvent.Kind.ENROLLED).count() == 1
    # the codes are not shown again: setup now says it is done
    again = client.get(SETUP)
    assert again.status_code == 302
    assert "codes" not in (again.context or {})


def test_wrong_enrolment_code_confirms_nothing(staff_mfa, technician, config, clock):
    client = _password_login(technician)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=technician)
    wrong = f"{(int(device_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert str(services.CODE_WRONG) in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert not StaticDevice.objects.filter(user=technician).exists()
    assert not _is_verified(client)
    assert client.get(reverse("desk:queue")).status_code == 302


def test_password_alone_cannot_enrol_a_second_phone(staff_mfa, technician, totp_for, clock):
    # given a technician with an authenticator, and an attacker who knows the password
    totp_for(technician)
    attacker = _password_login(technician)
    # when the attacker opens enrolment, they are sent to verify; no new device appears
    response = attacker.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=technician).count() == 1
    with pytest.raises(Exception, match=str(services.ALREADY_ENROLLED)):
        services.mfa_enrolment_start(user=technician)


# --------------------------------------------------------------------- verification


def test_right_code_verifies_rotates_the_session_and_goes_to_next(
        staff_mfa, technician, totp_for, config, clock):
    device = totp_for(technician)
    client = _password_login(technician)
    before = client.session.session_key
    response = _verify(client, device_code(device), "/desk/")
    assert response.status_code == 302
    assert response["Location"] == "/desk/"
    assert client.session.session_key != before
    assert client.get(reverse("desk:queue")).status_code == 200
    # the old session id is worth nothing now
    stale = Client()
    stale.cookies["sessionid"] = before
    assert stale.get(reverse("desk:queue"))["Location"].startswith(LOGIN)


def test_wrong_codes_leave_the_session_unverified(staff_mfa, technician, totp_for, config,
                                                  clock):
    device = totp_for(technician)
    client = _password_login(technician)
    right = device_code(device)
    for wrong in (f"{(int(right) + 7) % 1_000_000:06d}", "abc", "", "1" * 40, "' OR 1=1 --"):
        response = _verify(client, wrong)
        assert response.status_code == 200
        assert not _is_verified(client)
    assert client.get(reverse("desk:queue")).status_code == 302


def test_verify_never_redirects_off_site(staff_mfa, technician, totp_for, clock):
    device = totp_for(technician)
    client = _password_login(technician)
    response = _verify(client, device_code(device), "https://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_used_code_is_refused_in_the_same_time_step(staff_mfa, technician, totp_for,
                                                      config, clock):
    # given a code the technician just used (seen over the shoulder or phished)
    device = totp_for(technician)
    code = device_code(device)
    assert _verify(_password_login(technician), code).status_code == 302
    device.refresh_from_db()
    assert device.last_t >= 0
    # when it is replayed in another session within the same 30 s step
    clock.shift(10)
    attacker = _password_login(technician)
    response = _verify(attacker, code)
    # then it is refused
    assert response.status_code == 200
    assert not _is_verified(attacker)
    assert attacker.get(reverse("desk:queue")).status_code == 302


def test_an_older_code_is_refused_after_a_newer_one_was_used(staff_mfa, technician,
                                                             totp_for, clock):
    device = totp_for(technician)
    older = device_code(device)
    clock.shift(30)
    assert _verify(_password_login(technician), device_code(device)).status_code == 302
    # the previous step's code would be inside the tolerance window, but is older
    attacker = _password_login(technician)
    _verify(attacker, older)
    assert not _is_verified(attacker)


def test_a_recovery_code_works_once(staff_mfa, technician, totp_for, config, clock):
    totp_for(technician, recovery_codes=("abcdefgh", "ijklmnop"))
    first = _password_login(technician)
    response = _verify(first, "ABCD-EFGH", "/desk/")  # case and dashes as people type them
    assert response.status_code == 302
    assert _is_verified(first)
    assert first.get(reverse("desk:queue")).status_code == 200
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["ijklmnop"]
    assert MfaEvent.objects.filter(user=technician,
                                   kind=MfaEvent.Kind.RECOVERY_USED).count() == 1
    # the same code again, in a new session, is refused
    clock.shift(60)
    second = _password_login(technician)
    assert _verify(second, "abcdefgh").status_code == 200
    assert not _is_verified(second)


def test_brute_force_is_throttled_so_even_the_right_code_is_refused_for_a_while(
        staff_mfa, technician, totp_for, config, clock):
    device = totp_for(technician)
    client = _password_login(technician)
    right = device_code(device)
    wrong = [f"{(int(right) + k) % 1_000_000:06d}" for k in range(1, 6)]
    # five wrong codes, each after the previous lock (1, 2, 4, 8 s) has passed; a code
    # sent while locked is refused without being tried. Now the lock is 2**4 = 16 s.
    for k, code in enumerate(wrong):
        _verify(client, code)
        if k < len(wrong) - 1:
            clock.shift(2 ** k + 0.1)
    right = device_code(device)
    device.refresh_from_db()
    assert device.throttling_failure_count == 5
    response = _verify(client, right)
    assert response.status_code == 200
    assert str(services.CODE_THROTTLED) in response.content.decode()
    assert not _is_verified(client)
    # once the lock has passed, the next right code works and clears the counter
    clock.shift(30)
    assert _verify(client, device_code(device)).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_brute_force_on_recovery_codes_is_throttled_too(staff_mfa, technician, totp_for,
                                                        clock):
    totp_for(technician, recovery_codes=("abcdefgh",))
    client = _password_login(technician)
    for guess in ("aaaaaaaa", "bbbbbbbb", "cccccccc", "dddddddd"):
        _verify(client, guess)
    _verify(client, "abcdefgh")
    assert not _is_verified(client)
    assert StaticToken.objects.filter(token="abcdefgh").exists()  # not spent


def test_password_reset_does_not_skip_the_second_factor(staff_mfa, config, totp_for, clock,
                                                        django_capture_on_commit_callbacks):
    # given a technician with an authenticator who resets the password by e-mail
    user = TechnicianFactory(username="dimitra", email="dimitra@example.com")
    totp_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("password_reset"), {"email": user.email})
    # on SUPPORTDESK_SITE_URL, never on the Host header (docs/security.md #14)
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    resetter = Client()
    form_url = resetter.get(link, follow=True).redirect_chain[-1][0]
    new = "a-much-better-passphrase-2026"
    assert resetter.post(form_url, {"new_password1": new,
                                    "new_password2": new}).status_code == 302
    # the reset itself logs nobody in
    assert resetter.get(reverse("desk:queue"))["Location"].startswith(LOGIN)
    # when they log in with the new password
    client = Client()
    assert client.post(LOGIN, {"username": "dimitra", "password": new}).status_code == 302
    # then the second factor is still required
    response = client.get(reverse("desk:queue"))
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1


def test_logout_ends_the_verification(staff_mfa, technician, totp_for, config, clock):
    device = totp_for(technician)
    client = _password_login(technician)
    _verify(client, device_code(device))
    assert client.get(reverse("desk:queue")).status_code == 200
    verified_session = client.session.session_key
    client.post(reverse("logout"))
    stolen = Client()
    stolen.cookies["sessionid"] = verified_session
    assert stolen.get(reverse("desk:queue"))["Location"].startswith(LOGIN)
    # logging in again asks for a code again
    clock.shift(30)
    again = _password_login(technician)
    assert again.get(reverse("desk:queue"))["Location"].startswith(VERIFY)


def test_verify_page_is_greek_by_default_and_english_on_request(staff_mfa, technician,
                                                                 totp_for):
    totp_for(technician)
    client = _password_login(technician)
    greek = client.get(VERIFY).content.decode()
    assert "Επαλήθευση" in greek
    client.post(reverse("set_language"), {"language": "en", "next": VERIFY})
    english = client.get(VERIFY).content.decode()
    assert "Two-factor verification" in english


# --------------------------------------------------------------------- lost phone


def test_manager_resets_a_technicians_devices_and_it_is_audited(
        staff_mfa, technician, manager, totp_for, config, clock):
    # given a verified technician session and a verified manager
    tech_device = totp_for(technician, recovery_codes=("abcdefgh",))
    tech = _password_login(technician)
    _verify(tech, device_code(tech_device))
    boss_device = totp_for(manager)
    boss = _password_login(manager)
    _verify(boss, device_code(boss_device))
    assert boss.get(reverse("accounts:mfa_staff")).status_code == 200
    # when the manager resets the technician's devices (lost phone)
    response = boss.post(reverse("accounts:mfa_reset", args=[technician.pk]))
    assert response.status_code == 302
    # then the technician has no device, the reset is recorded with its actor,
    assert not TOTPDevice.objects.filter(user=technician).exists()
    assert not StaticDevice.objects.filter(user=technician).exists()
    event = MfaEvent.objects.get(user=technician, kind=MfaEvent.Kind.RESET)
    assert event.actor == manager
    # and the technician's open session must enrol again before anything else
    assert tech.get(reverse("desk:queue"))["Location"].startswith(SETUP)
    # the manager's own devices are untouched
    assert TOTPDevice.objects.filter(user=manager, confirmed=True).count() == 1


def test_only_managers_reset_and_never_their_own_or_a_customers(
        staff_mfa, technician, manager, customer_a, totp_for, clock):
    totp_for(manager)
    tech_device = totp_for(technician)
    tech = _password_login(technician)
    _verify(tech, device_code(tech_device))
    assert tech.get(reverse("accounts:mfa_staff")).status_code == 403
    assert tech.post(reverse("accounts:mfa_reset", args=[manager.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=manager).count() == 1
    with pytest.raises(Exception, match=str(services.NOT_YOURSELF)):
        services.mfa_devices_reset(user=manager, by=manager)
    with pytest.raises(Exception, match=str(services.NOT_STAFF_TARGET)):
        services.mfa_devices_reset(user=customer_a, by=manager)
    with pytest.raises(Exception, match=str(services.RESET_MANAGERS_ONLY)):
        services.mfa_devices_reset(user=manager, by=technician)
    assert not MfaEvent.objects.filter(kind=MfaEvent.Kind.RESET).exists()


def test_admin_action_resets_devices_with_the_actor_recorded(manager, technician, totp_for):
    manager.is_superuser = True
    manager.save()
    totp_for(technician)
    client = Client()
    client.force_login(manager)
    response = client.post(reverse("admin:accounts_user_changelist"), {
        "action": "reset_mfa_devices", "_selected_action": [technician.pk]})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=technician).exists()
    assert MfaEvent.objects.get(user=technician).actor == User.objects.get(pk=manager.pk)


def test_device_secrets_are_not_in_the_admin(manager):
    manager.is_superuser = True
    manager.save()
    client = Client()
    client.force_login(manager)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_throttle_window_grows_with_failures(technician, totp_for, clock):
    # the service refuses while locked and counts every wrong code (never lost on refusal)
    device = totp_for(technician)
    for _ in range(3):
        with pytest.raises(Exception, match=str(services.CODE_WRONG)):
            services.mfa_verify(user=technician, code="000000" if device_code(device)
                                != "000000" else "111111")
        clock.shift(timedelta(seconds=10).total_seconds())
    device.refresh_from_db()
    assert device.throttling_failure_count == 3
