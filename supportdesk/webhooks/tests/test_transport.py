"""The SSRF guard (docs/security.md #23, #46): every address class refused before
connecting, names resolving there, redirects there, and the explicit allow-list."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import timezone

from supportdesk.common.exceptions import ApplicationError
from supportdesk.notifications.announcements import Announcement, Happening
from supportdesk.webhooks import transport
from supportdesk.webhooks.delivery import webhooks_deliver
from supportdesk.webhooks.models import WebhookAttempt, WebhookDelivery
from supportdesk.webhooks.services import deliveries_record, subscription_create

BODY = b'{"id":"test"}'
HEADERS = {"Content-Type": "application/json"}


@pytest.fixture
def no_allow_list(settings):
    settings.SUPPORTDESK_WEBHOOK_ALLOWED_NETWORKS = []


@pytest.mark.parametrize(("url", "kind"), [
    ("http://127.0.0.1:{port}/", "loopback"),
    ("http://127.8.9.10:{port}/", "loopback"),
    ("http://[::1]:{port}/", "loopback"),
    ("http://localhost:{port}/", "loopback"),             # a name resolving to loopback
    ("http://2130706433:{port}/", "loopback"),            # 127.0.0.1 spelt as a number
    ("http://[::ffff:127.0.0.1]:{port}/", "loopback"),    # IPv4-mapped IPv6
    ("http://[64:ff9b::7f00:1]:{port}/", "loopback"),     # NAT64 form
    ("http://10.1.2.3/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://192.168.1.10/", "private"),
    ("http://[fc00::1]/", "private"),
    ("http://[fd12:3456::1]/", "private"),
    ("http://100.64.0.1/", "private"),                    # shared address space (CGNAT)
    ("http://169.254.169.254/latest/meta-data/", "link-local"),  # cloud metadata
    ("http://[fe80::1]/", "link-local"),
    ("http://0.0.0.0:{port}/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://192.0.2.1/", "private"),                     # documentation range
    ("http://240.0.0.1/", "private"),                     # reserved
])
def test_every_internal_address_class_is_refused_before_connecting(
        no_allow_list, receiver, url, kind):
    port = receiver.url.split(":")[2].split("/")[0]
    outcome = transport.post(url.format(port=port), BODY, HEADERS)
    assert outcome.refused, outcome
    assert outcome.status_code is None
    assert outcome.error.startswith("refused:")
    if kind != "private":
        assert kind in outcome.error
    assert receiver.requests == []  # nothing reached the receiver on 127.0.0.1


def test_a_name_resolving_to_an_internal_address_is_refused(no_allow_list, monkeypatch):
    def fake_lookup(host, port, *args, **kwargs):
        # one public and one internal address: every address must be allowed
        return [(2, 1, 6, "", ("93.184.215.14", port)), (2, 1, 6, "", ("10.0.0.5", port))]

    monkeypatch.setattr(transport.socket, "getaddrinfo", fake_lookup)
    outcome = transport.post("https://erp.example.com/hook", BODY, HEADERS)
    assert outcome.refused
    assert "10.0.0.5" in outcome.error
    assert "erp.example.com" in outcome.error


@pytest.mark.parametrize(("address", "refused"), [
    ("8.8.8.8", False), ("93.184.215.14", False), ("2a00:1450:4001:80b::200e", False),
    ("127.0.0.1", True), ("10.0.0.1", True), ("169.254.1.1", True), ("::1", True),
    ("fe80::1%eth0", True),
])
def test_address_refusal_by_class(no_allow_list, address, refused):
    assert bool(transport.address_refusal(address)) is refused


def test_the_allow_list_lets_an_on_premise_range_through(settings):
    settings.SUPPORTDESK_WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert transport.address_refusal("10.20.3.4") == ""
    assert transport.address_refusal("10.21.0.1") != ""
    assert transport.address_refusal("127.0.0.1") != ""


def test_a_redirect_to_an_internal_address_is_refused(receiver):
    # given: loopback allowed (the test setting), the receiver redirecting to the metadata
    receiver.answer(307, "", {"Location": "http://169.254.169.254/latest/meta-data/"})
    # when
    outcome = transport.post(receiver.url, BODY, HEADERS)
    # then
    assert outcome.refused
    assert "169.254.169.254 is a link-local address" in outcome.error
    assert outcome.url == "http://169.254.169.254/latest/meta-data/"
    assert len(receiver.requests) == 1


def test_a_redirect_to_a_private_name_is_refused(receiver, monkeypatch):
    real = transport.socket.getaddrinfo

    def lookup(host, port, *args, **kwargs):
        if host == "intranet.example":
            return [(2, 1, 6, "", ("192.168.0.7", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(transport.socket, "getaddrinfo", lookup)
    receiver.answer(308, "", {"Location": "http://intranet.example/admin"})
    outcome = transport.post(receiver.url, BODY, HEADERS)
    assert outcome.refused
    assert "192.168.0.7" in outcome.error


def test_307_and_308_are_followed_with_the_post_and_others_are_not(receiver):
    receiver.answer(307, "", {"Location": "/moved"})
    outcome = transport.post(receiver.url, BODY, HEADERS)
    assert (outcome.status_code, outcome.ok) == (200, True)
    assert [r.path for r in receiver.requests] == ["/hooks/supportdesk", "/moved"]
    assert receiver.requests[1].body == BODY

    receiver.answer(302, "", {"Location": "/elsewhere"})
    outcome = transport.post(receiver.url, BODY, HEADERS)
    assert (outcome.status_code, outcome.ok) == (302, False)
    assert "not followed" in outcome.error
    assert len(receiver.requests) == 3


def test_too_many_redirects_fail(receiver):
    for _ in range(transport.MAX_REDIRECTS + 1):
        receiver.answer(307, "", {"Location": receiver.url})
    outcome = transport.post(receiver.url, BODY, HEADERS)
    assert not outcome.ok
    assert "redirects" in outcome.error


@pytest.mark.parametrize(("url", "reason"), [
    ("ftp://files.example.com/x", "only"),
    ("file:///etc/passwd", "only"),
    ("https://user:pw@erp.example.com/", "user name or password"),
    ("https:///nohost", "no host"),
    ("https://erp.example.com:99999/", "valid URL"),
])
def test_malformed_or_credentialed_urls_are_refused(url, reason):
    assert reason in transport.url_refusal(url)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["https://169.254.169.254/latest/", "https://[::1]/x",
                                 "https://10.0.0.8:8443/hook"])
def test_an_internal_address_literal_is_refused_when_subscribing(no_allow_list, manager, url):
    with pytest.raises(ApplicationError) as refused:
        subscription_create(by=manager, name="ERP", url=url, events=[Happening.TICKET_CREATED])
    assert refused.value.code == "url_refused"


@pytest.mark.django_db
def test_https_is_required_outside_debug_and_tests(settings, manager):
    settings.SUPPORTDESK_WEBHOOK_REQUIRE_HTTPS = True
    with pytest.raises(ApplicationError) as refused:
        subscription_create(by=manager, name="ERP", url="http://erp.example.com/hook",
                            events=[Happening.TICKET_CREATED])
    assert refused.value.code == "url_refused"
    outcome = transport.post("http://erp.example.com/hook", BODY, HEADERS)
    assert outcome.refused
    assert "https" in outcome.error


def test_an_unreachable_receiver_is_a_failed_attempt_not_an_error():
    # a port nobody listens on: bound once, then closed
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = transport.post(f"http://127.0.0.1:{port}/x", BODY, HEADERS)
    assert not outcome.ok and not outcome.refused
    assert outcome.error


@pytest.mark.django_db
def test_a_refused_target_fails_the_delivery_at_once_without_sending(
        receiver, subscribe, ticket_a, settings):
    # given: a subscription to the loopback receiver, loopback no longer allowed
    subscription, _ = subscribe(receiver.url)
    settings.SUPPORTDESK_WEBHOOK_ALLOWED_NETWORKS = []
    deliveries_record(Announcement(event=Happening.TICKET_CREATED,
                                   key=f"ticket.created:{ticket_a.pk}",
                                   customer_id=ticket_a.customer_id, subject=ticket_a))
    # when
    counts = webhooks_deliver(now=timezone.now())
    # then
    assert counts["failed"] == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 1, None)
    attempt = WebhookAttempt.objects.get()
    assert attempt.error.startswith("refused: 127.0.0.1 is a loopback address")
    assert receiver.requests == []
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 1


def test_a_receiver_that_does_not_answer_in_time_is_cut_off(receiver, settings):
    settings.SUPPORTDESK_WEBHOOK_TIMEOUT = 0.5
    receiver.delay = 2.0
    outcome = transport.post(receiver.url, BODY, HEADERS)
    assert not outcome.ok
    assert "timed out" in outcome.error.lower()
    assert outcome.duration_ms < 1500


def test_a_slow_drip_of_an_answer_cannot_stretch_the_attempt(receiver, settings):
    settings.SUPPORTDESK_WEBHOOK_TIMEOUT = 0.6
    receiver.drip = 0.1
    receiver.answer(200, "x" * 100)  # ten seconds of bytes
    outcome = transport.post(receiver.url, BODY, HEADERS)
    assert not outcome.ok
    assert outcome.duration_ms < 1500


def _self_signed(tmp_path):
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_https_verifies_the_receivers_certificate(receiver, tmp_path, settings, monkeypatch):
    # given: the receiver behind TLS with a self-signed certificate, https required
    settings.SUPPORTDESK_WEBHOOK_REQUIRE_HTTPS = True
    cert_file, key_file = _self_signed(tmp_path)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_file, key_file)
    port = int(receiver.url.split(":")[2].split("/")[0])
    front = socket.create_server(("127.0.0.1", 0))
    tls_port = front.getsockname()[1]

    def relay():  # TLS in front of the plain receiver
        with front:
            for _ in range(2):
                raw, _addr = front.accept()
                try:
                    conn = server_context.wrap_socket(raw, server_side=True)
                except (ssl.SSLError, OSError):
                    continue
                with conn, socket.create_connection(("127.0.0.1", port)) as back:
                    conn.settimeout(2)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(65536)
                    head, _, rest = data.partition(b"\r\n\r\n")
                    length = int(re.search(rb"content-length: *(\d+)", head, re.I).group(1))
                    while len(rest) < length:
                        rest += conn.recv(65536)
                    back.sendall(head + b"\r\n\r\n" + rest)
                    while chunk := back.recv(65536):  # the receiver closes after answering
                        conn.sendall(chunk)

    threading.Thread(target=relay, daemon=True).start()
    url = f"https://127.0.0.1:{tls_port}/hook"
    # when / then: an untrusted certificate is a failed attempt, nothing is sent
    outcome = transport.post(url, BODY, HEADERS)
    assert not outcome.ok and not outcome.refused
    assert "CERTIFICATE_VERIFY_FAILED" in outcome.error
    assert receiver.requests == []
    # trusted, the same receiver gets the POST (TLS to the checked address, name verified)
    trusted = ssl.create_default_context(cafile=str(cert_file))
    monkeypatch.setattr(transport.ssl, "create_default_context", lambda: trusted)
    outcome = transport.post(url, BODY, HEADERS)
    assert (outcome.status_code, outcome.ok) == (200, True), outcome
    assert receiver.requests[0].body == BODY
