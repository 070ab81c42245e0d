"""The shared outbound client judges by the policy it is given, not by one app's settings:
webhooks and the e-invoicing provider each pass their own (docs/security.md #46)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from supportdesk.common import outbound

STRICT = outbound.Policy.of(require_https=True, allowed_networks=[], timeout=2.0)
LOOPBACK = outbound.Policy.of(require_https=False, allowed_networks=["127.0.0.0/8"],
                              timeout=2.0)


@pytest.fixture
def echo():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"{self.command} {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_strict_policy_refuses_loopback_and_plain_http(echo):
    # when
    outcome = outbound.request("GET", echo + "/x", None, {}, STRICT)
    # then: nothing was sent
    assert outcome.refused and "https" in outcome.error
    assert outbound.address_refusal("127.0.0.1", STRICT).endswith("loopback address")


def test_an_allowed_network_lets_the_get_through_with_its_body(echo):
    outcome = outbound.request("GET", echo + "/documents/abc", None, {}, LOOPBACK)
    assert outcome.ok
    assert outcome.content == b"GET /documents/abc"
    assert not outcome.timed_out


@pytest.mark.parametrize("address", ["10.0.0.1", "169.254.169.254", "::ffff:127.0.0.1"])
def test_internal_addresses_are_refused_without_an_allow_list(address):
    assert outbound.address_refusal(address, STRICT) != ""
