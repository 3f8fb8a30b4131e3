"""The wire: the body and headers of a delivery, its signature, one HTTP POST.

Body: JSON (UTF-8) with the delivery id, the event id, the event type, the Unix timestamp of this
attempt, and the case and event. Headers:

    X-Doorstep-Signature: sha256=<hex HMAC-SHA256 of the raw body under the subscriber's secret>
    X-Doorstep-Event: <event id>          the same on every retry and replay (dedupe on it)
    X-Doorstep-Delivery: <delivery id>    new for a replay
    X-Doorstep-Timestamp: <Unix seconds>  also inside the signed body (reject stale ones)

During a secret rotation's grace period the signature header carries two values, the new
secret's first: `sha256=<new>,sha256=<old>`.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC
from urllib.parse import urlsplit

from django.utils import timezone

from . import addresses

SIGNATURE_HEADER = "X-Doorstep-Signature"
EVENT_HEADER = "X-Doorstep-Event"
DELIVERY_HEADER = "X-Doorstep-Delivery"
TIMESTAMP_HEADER = "X-Doorstep-Timestamp"
USER_AGENT = "doorstep-webhooks/1"
SNIPPET = 500


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def event_id(event) -> str:
    return f"evt_{event.pk}"


def iso(moment) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def payload(delivery, timestamp: int) -> dict:
    """What the receiver reads. No personal data: the note only of events shown to residents."""
    event = delivery.event
    case = event.case
    return {
        "id": str(delivery.uid),
        "event_id": event_id(event),
        "type": delivery.event_type,
        "timestamp": timestamp,
        "replay": delivery.replay_of_id is not None,
        "occurred_at": iso(event.at),
        "case": {
            "number": case.number,
            "service_request_id": case.demand.number,
            "status": case.status,
            "category": case.category.code,
            "region": case.region.code,
            "region_name": case.region.name,
            "urgent": case.urgent,
            "handle_due": iso(case.handle_due),
        },
        "event": {
            "action": event.action,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "note": event.note if event.public else "",
            "public": event.public,
        },
    }


def build(delivery, secrets: list[str], now=None) -> tuple[bytes, dict]:
    """The raw body and headers of one attempt (a new timestamp each time)."""
    timestamp = int((now or timezone.now()).timestamp())
    body = json.dumps(payload(delivery, timestamp), ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: ",".join(signature(body, s) for s in secrets if s),
        EVENT_HEADER: event_id(delivery.event),
        DELIVERY_HEADER: str(delivery.uid),
        TIMESTAMP_HEADER: str(timestamp),
    }
    return body, headers


@dataclass
class Outcome:
    ok: bool
    status_code: int | None
    response: str
    error: str
    duration_ms: int
    refused: bool = False  # the receiver's address is not public: not worth trying again


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other (not followed: the URL is what the admin set)."""

    def redirect_request(self, *args, **kwargs):
        return None


def _guarded(host: str):
    """urllib handlers whose connections to `host` check the peer they reached (a proxy in
    between is not checked: it is the deployment's own)."""

    def connect(address, *args, **kwargs):
        sock = socket.create_connection(address, *args, **kwargs)
        if str(address[0]).strip("[]").lower() == host:
            addresses.check_peer(sock, host)
        return sock

    class Connection(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class SecureConnection(http.client.HTTPSConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Connection, req)

    class SecureHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            extra = {"context": self._context}
            if getattr(self, "_check_hostname", None) is not None:
                extra["check_hostname"] = self._check_hostname
            return self.do_open(SecureConnection, req, **extra)

    return Handler, SecureHandler


def _opener(url: str):
    host = (urlsplit(url).hostname or "").lower()
    return urllib.request.build_opener(_NoRedirect, *_guarded(host))


def post(url: str, body: bytes, headers: dict, timeout: float) -> Outcome:
    """POST once; 2xx is delivered, anything else (or no answer in `timeout` seconds) is not.
    A receiver whose address turns out not to be public is refused (`refused`, not sent)."""
    started = time.perf_counter()
    code, text, error = None, "", ""
    refused = addresses.refusal(url)
    if refused:
        return Outcome(False, None, "", refused[:300], 0, refused=True)
    try:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with _opener(url).open(request, timeout=timeout) as response:
            code = response.status
            text = response.read(SNIPPET * 4).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        code = exc.code
        try:
            text = exc.read(SNIPPET * 4).decode("utf-8", "replace")
        except Exception:  # noqa: BLE001 - the body of an error answer is only informative
            text = ""
    except TimeoutError:
        error = f"timeout after {timeout:g} s"
    except addresses.Refused as exc:
        refused = str(exc)
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, addresses.Refused):
            refused = str(reason)
        error = f"timeout after {timeout:g} s" if isinstance(reason, TimeoutError) else str(reason)
    except (OSError, ValueError) as exc:
        error = str(exc) or exc.__class__.__name__
    duration = int((time.perf_counter() - started) * 1000)
    if refused:
        return Outcome(False, None, "", refused[:300], duration, refused=True)
    ok = code is not None and 200 <= code < 300
    if code is not None and not ok and not error:
        error = f"HTTP {code}"
    return Outcome(ok, code, text[:SNIPPET], error[:300], duration)
