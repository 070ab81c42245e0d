"""The one outbound HTTP client, guarded against SSRF (docs/security.md #23, #46).

Webhook deliveries (``supportdesk.webhooks.transport``) and the e-invoicing provider
hand-off (``supportdesk.einvoicing.handoff``) both call out to URLs a manager typed in;
each passes its own :class:`Policy` (https required or not, the allowed networks, the one
deadline), read from its own settings, so the guard is written once.

Before *every* connection (the first and each redirect) the URL is checked: http(s) only
(https unless the policy allows http), no user:password, and the host is resolved here
and *every* address it resolves to must be a public unicast address (``ipaddress``'
``is_global``, not multicast; IPv4-mapped and NAT64 IPv6 forms are judged by the IPv4
address inside) or lie in the policy's allowed networks (an explicit allow-list of CIDR
ranges for tests and on-premise receivers). The connection then goes to the address that
was checked (no second lookup a DNS-rebinding name could answer differently), with the host
name kept for the ``Host`` header and TLS (SNI and certificate verification). Environment
proxies are not used.

Redirects: 307 and 308 (which keep the method and its body) are followed, at most
:data:`MAX_REDIRECTS`, each target checked like the first; 301/302/303 are not followed (a
POST would become a GET) and count as a failed attempt. Time is bounded: one deadline of
``policy.timeout`` seconds for the whole attempt (connection, redirects, answer), and at
most :data:`READ_LIMIT` bytes of the answer are read.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 3
READ_LIMIT = 64 * 1024
EXCERPT_CHARS = 1000
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """The URL, or an address its host resolves to, is not allowed (nothing was sent)."""


@dataclass(frozen=True)
class Policy:
    """Where one caller may connect, and for how long."""

    require_https: bool = True
    allowed_networks: tuple[str, ...] = ()  # CIDR ranges allowed although not public
    timeout: float = 10.0                   # seconds for the whole attempt

    @classmethod
    def of(cls, *, require_https: bool, allowed_networks: Iterable[str], timeout: float
           ) -> Policy:
        return cls(require_https=bool(require_https),
                   allowed_networks=tuple(t.strip() for t in allowed_networks if t),
                   timeout=float(timeout))

    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(text, strict=False) for text in self.allowed_networks]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    excerpt: str = ""      # the start of the answer's body, as text
    error: str = ""        # why there is no 2xx: refused, timed out, refused connection...
    refused: bool = False  # by the SSRF guard: no connection was made to that target
    url: str = ""          # the last URL tried (after redirects)
    duration_ms: int = 0
    content: bytes = field(default=b"", repr=False)  # the answer's body (READ_LIMIT at most)
    timed_out: bool = False  # the deadline passed before the whole answer came

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _judged(address: ipaddress.IPv4Address | ipaddress.IPv6Address
            ) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address that decides: the IPv4 one inside an IPv4-mapped or NAT64 IPv6 one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_refusal(text: str, policy: Policy) -> str:
    """Why a connection to ``text`` (an IP address) is refused; ``""`` when it is allowed."""
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if any(address in net or _judged(address) in net for net in policy.networks()):
        return ""
    judged = _judged(address)
    if judged.is_loopback:
        kind = "loopback"
    elif judged.is_link_local:
        kind = "link-local"
    elif judged.is_multicast:
        kind = "multicast"
    elif judged.is_unspecified:
        kind = "unspecified"
    elif not judged.is_global:
        kind = "private or reserved"
    else:
        return ""
    return f"refused: {text} is a {kind} address"


def url_refusal(url: str, policy: Policy) -> str:
    """Why ``url`` cannot be a target at all (scheme, credentials, host), before any lookup;
    ``""`` when it may be. Used by forms and again before every connection."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "refused: not a valid URL"
    if parts.scheme not in ("https", "http") or (policy.require_https
                                                 and parts.scheme != "https"):
        return ("refused: only https:// URLs" if policy.require_https
                else "refused: only http(s) URLs")
    if parts.username is not None or parts.password is not None:
        return "refused: no user name or password in the URL"
    if not parts.hostname:
        return "refused: the URL has no host"
    if port == 0:
        return "refused: port 0"
    return ""


def literal_address_refusal(url: str, policy: Policy) -> str:
    """For forms: a URL whose host is a refused IP address literal is refused at once
    (names are resolved only when sending, where every connection is checked)."""
    try:
        host = urlsplit(url).hostname or ""
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return ""
    return address_refusal(host, policy)


def _resolve(host: str, port: int, policy: Policy) -> str:
    """The address to connect to: every address of ``host`` must be allowed (a name with
    one internal address among public ones is refused), then the first one is used."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OSError(f"cannot resolve {host}: {exc}") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise OSError(f"cannot resolve {host}")
    for address in addresses:
        refusal = address_refusal(address, policy)
        if refusal:
            raise Refused(f"{refusal} ({host})" if address != host else refusal)
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


def _read(sock: socket.socket, response: http.client.HTTPResponse, deadline: float) -> bytes:
    chunks, size = [], 0
    # Once the whole answer is read http.client closes the socket: stop there.
    while size < READ_LIMIT and not response.isclosed():
        # Each read may wait only what is left of the one deadline, and returns what has
        # arrived (read1), so a slow drip of bytes cannot stretch the attempt.
        sock.settimeout(_remaining(deadline))
        chunk = response.read1(min(8192, READ_LIMIT - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def request(method: str, url: str, body: bytes | None, headers: dict[str, str],
            policy: Policy) -> Outcome:
    """Send ``method`` ``url`` with ``body`` (following 307/308 within the rules above)
    and say what came back. Never raises for the network: every failure is in the
    :class:`Outcome`."""
    started = time.monotonic()
    deadline = started + policy.timeout

    def outcome(**fields) -> Outcome:
        return Outcome(url=current, duration_ms=int((time.monotonic() - started) * 1000),
                       **fields)

    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        refusal = url_refusal(current, policy)
        if refusal:
            return outcome(error=refusal, refused=True)
        parts = urlsplit(current)
        secure = parts.scheme == "https"
        port = parts.port or (443 if secure else 80)
        connection = None
        try:
            address = _resolve(parts.hostname, port, policy)
            kind = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
            connection = kind(parts.hostname, port, address=address,
                              timeout=_remaining(deadline))
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request(method, path, body=body, headers=headers)
            # Kept: http.client lets go of it once a response says it closes the connection.
            sock = connection.sock
            sock.settimeout(_remaining(deadline))
            response = connection.getresponse()
            location = response.getheader("Location")
            if response.status in (307, 308) and location:
                _read(sock, response, deadline)
                current = urljoin(current, location)
                continue
            data = _read(sock, response, deadline)
            excerpt = data.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
            error = ""
            if 300 <= response.status < 400:
                error = "redirect not followed: only 307 and 308 keep the method"
            elif not 200 <= response.status < 300:
                error = f"HTTP {response.status}"
            return outcome(status_code=response.status, excerpt=excerpt, error=error,
                           content=data)
        except Refused as exc:
            return outcome(error=str(exc), refused=True)
        except TimeoutError as exc:
            return outcome(error=f"{type(exc).__name__}: {exc}"[:500], timed_out=True)
        except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
            return outcome(error=f"{type(exc).__name__}: {exc}"[:500])
        finally:
            if connection is not None:
                connection.close()
    return outcome(error=f"more than {MAX_REDIRECTS} redirects")
