"""Shared steps of the webhook tests: a receiver's own signature check (written here from the
documented format, not with our code), and running the real database worker until a condition."""

import hashlib
import hmac
import json
import time

from django_tasks_db.management.commands.db_worker import Worker


def receiver_verifies(received, secret: str, *, max_age: float = 300) -> dict:
    """What a receiver does: HMAC-SHA256 of the raw body under its secret must equal one of the
    header's sha256= values; the timestamp header must match the signed body and be recent.
    Returns the parsed body; raises AssertionError otherwise."""
    header = received.headers["X-Doorstep-Signature"]
    expected = "sha256=" + hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    assert any(hmac.compare_digest(expected, v.strip()) for v in header.split(",")), "bad signature"
    body = json.loads(received.body)
    assert str(body["timestamp"]) == received.headers["X-Doorstep-Timestamp"]
    assert abs(time.time() - body["timestamp"]) < max_age, "stale"
    assert body["event_id"] == received.headers["X-Doorstep-Event"]
    assert body["id"] == received.headers["X-Doorstep-Delivery"]
    return body


def worker() -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-webhooks",
        excluded_queue_names=[],
    )


def run_worker_until(condition, timeout: float = 15.0) -> bool:
    """Rounds of the real worker (each runs every ready task) until `condition()` holds."""
    w = worker()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        w.run()
        if condition():
            return True
        time.sleep(0.02)
    return condition()
