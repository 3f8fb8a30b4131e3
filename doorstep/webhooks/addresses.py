"""Where a webhook may go: public internet addresses only (no SSRF into our own network).

A receiver URL is refused when its host is, or resolves to, a loopback, private (RFC 1918, unique
local fc00::/7), link-local (169.254/16 — the cloud metadata service — and fe80::/10), multicast,
unspecified (0.0.0.0, ::) or any other non-public address (carrier-grade NAT, documentation and
reserved ranges; IPv4 mapped into IPv6 is judged as IPv4). It is checked

  * on save (console, admin): an address written as numbers, `localhost`, and a name that
    resolves now to such an address (a name that does not resolve now is let through);
  * at delivery, after resolving the name again: refused → one failed attempt with the reason,
    the delivery fails for good (no retries);
  * when connecting: the peer the socket reached is checked too, so a name that resolves to a
    public address for the check and to 127.0.0.1 for the connection (DNS rebinding) is refused.

`DOORSTEP_WEBHOOKS_ALLOW_PRIVATE=true` switches all this off (tests and benchmarks that deliver
to a receiver on 127.0.0.1, a deployment whose receivers are all on its own private network).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KINDS = {
    "loopback": gettext_lazy("a loopback address (this machine)"),
    "private": gettext_lazy("a private network address"),
    "link_local": gettext_lazy("a link-local address"),
    "multicast": gettext_lazy("a multicast address"),
    "unspecified": gettext_lazy("an unspecified address"),
    "not_public": gettext_lazy("a non-public address"),
}
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class Refused(OSError):
    """The receiver's address is not a public one (the message says why, in Chinese)."""


def allow_private() -> bool:
    return bool(getattr(settings, "DOORSTEP_WEBHOOKS_ALLOW_PRIVATE", False))


def kind_of(ip: str) -> str | None:
    """Why this IP address is not one to send to (a key of KINDS), or None for a public one."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    except ValueError:
        return "not_public"
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if addr.is_unspecified:
        return "unspecified"
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link_local"
    if addr.is_multicast:
        return "multicast"
    if addr.is_private:
        return "private"
    if not addr.is_global:
        return "not_public"
    return None


def message(host: str, ip: str, kind: str) -> str:
    return _("The receiver %(host)s is %(kind)s (%(ip)s): webhooks are sent to public addresses only.") % {
        "host": host,
        "kind": KINDS[kind],
        "ip": ip,
    }


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]").split("%", 1)[0]))
    except ValueError:
        return None


def resolve(host: str, port: int | None = None) -> list[str]:
    """The addresses a name resolves to (tests replace this)."""
    infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def refusal(url: str, *, lookup: bool = True) -> str | None:
    """Why a delivery to `url` is refused (a Chinese message), or None. With `lookup`, a name is
    resolved and every address it gives must be public; a name that does not resolve is left to
    the sending (which fails and is retried like any unreachable receiver)."""
    if allow_private():
        return None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return None  # not a URL at all: the URL validator says so
    if not host:
        return None
    ip = _literal(host)
    if ip is not None:
        kind = kind_of(ip)
        return message(host, ip, kind) if kind else None
    name = host.rstrip(".").lower()
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        return message(host, "127.0.0.1", "loopback")
    if not lookup:
        return None
    try:
        addresses = resolve(name, port)
    except (OSError, UnicodeError):
        return None
    for ip in addresses:
        kind = kind_of(ip)
        if kind:
            return message(host, ip, kind)
    return None


def check_peer(sock: socket.socket, host: str) -> None:
    """After connecting: the address actually reached must be public too (Refused otherwise)."""
    if allow_private():
        return
    try:
        ip = sock.getpeername()[0]
    except OSError:
        return
    kind = kind_of(ip)
    if kind:
        sock.close()
        raise Refused(message(host, ip, kind))
