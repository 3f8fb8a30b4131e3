"""Every write of webhooks: subscribers (create, change, rotate the secret), the fan-out of a case
event into deliveries, sending one attempt, replay, and the sweep that revives lost sends.

A delivery never depends on a process staying alive: its row and its queued task are written in
the transaction that writes the case event (the database task backend puts the task row in the
same transaction). A worker claims a delivery for a lease before sending; if the worker dies, the
lease runs out and the periodic sweep puts the delivery back in the queue (counted as an attempt).
Event rows written in bulk (the demo's case generator) send no signal and make no deliveries.
"""

from __future__ import annotations

import logging
import secrets as _secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.demands.workflow import RECORDS, TABLE
from doorstep.territory.models import Region

from . import addresses, sending
from .models import Attempt, Delivery, Subscriber

logger = logging.getLogger("doorstep.webhooks")
D = Delivery.Status
EVENT_TYPES = tuple(TABLE) + tuple(RECORDS)


# --- settings -----------------------------------------------------------------------------------


def max_attempts() -> int:
    return max(1, int(getattr(settings, "DOORSTEP_WEBHOOK_MAX_ATTEMPTS", 10)))


def timeout() -> float:
    return float(getattr(settings, "DOORSTEP_WEBHOOK_TIMEOUT_SECONDS", 10))


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: base × 2^(attempts−1), at most the cap."""
    base = float(getattr(settings, "DOORSTEP_WEBHOOK_BACKOFF_SECONDS", 30))
    cap = float(getattr(settings, "DOORSTEP_WEBHOOK_BACKOFF_MAX_SECONDS", 6 * 3600))
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def lease() -> timedelta:
    return timedelta(seconds=timeout() + 30)


def sweep_grace() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "DOORSTEP_WEBHOOK_SWEEP_GRACE_SECONDS", 120)))


def rotation_grace() -> timedelta:
    return timedelta(hours=float(getattr(settings, "DOORSTEP_WEBHOOK_ROTATION_GRACE_HOURS", 24)))


# --- subscribers --------------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + _secrets.token_urlsafe(32)


def _clean(name, url, event_types, jurisdictions) -> tuple[str, str, list[str], list[Region]]:
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Please name the receiver.")]
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors["url"] = [_("Enter an http or https address.")]
    else:
        refused = addresses.refusal(url)
        if refused:
            errors["url"] = [refused]
    types = sorted({str(t).strip() for t in event_types or () if str(t).strip()})
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        errors["event_types"] = [_("Unknown event type: %(types)s.") % {"types": ", ".join(unknown)}]
    regions, missing = [], []
    for value in jurisdictions or ():
        region = (
            value if isinstance(value, Region) else Region.objects.filter(code=str(value).strip()).first()
        )
        (regions.append(region) if region else missing.append(str(value)))
    if missing:
        errors["jurisdictions"] = [_("Unknown region code: %(codes)s.") % {"codes": ", ".join(missing)}]
    elif not regions:
        errors["jurisdictions"] = [_("A receiver needs at least one jurisdiction.")]
    if errors:
        raise ValidationError(errors)
    return name[:100], url, types, regions


def create_subscriber(
    *, name, url, jurisdictions, event_types=(), active=True, by=None
) -> tuple[Subscriber, str]:
    """A new receiver; returns it and its secret (shown to the admin once)."""
    name, url, types, regions = _clean(name, url, event_types, jurisdictions)
    secret = new_secret()
    with transaction.atomic():
        sub = Subscriber.objects.create(
            name=name,
            url=url,
            secret=secret,
            event_types=types,
            active=bool(active),
            created_by=by if getattr(by, "pk", None) else None,
        )
        sub.jurisdictions.set(regions)
    return sub, secret


def update_subscriber(
    sub: Subscriber, *, name, url, jurisdictions, event_types=(), active=True
) -> Subscriber:
    name, url, types, regions = _clean(name, url, event_types, jurisdictions)
    with transaction.atomic():
        Subscriber.objects.select_for_update().filter(pk=sub.pk).update(
            name=name, url=url, event_types=types, active=bool(active), updated_at=timezone.now()
        )
        sub.jurisdictions.set(regions)
    sub.refresh_from_db()
    return sub


def rotate_secret(sub: Subscriber, now=None) -> str:
    """A new secret (returned, shown once); the old one keeps signing beside it for the grace
    period (DOORSTEP_WEBHOOK_ROTATION_GRACE_HOURS, default 24) so the receiver can switch."""
    now = now or timezone.now()
    secret = new_secret()
    with transaction.atomic():
        locked = Subscriber.objects.select_for_update().get(pk=sub.pk)
        locked.previous_secret = locked.secret
        locked.previous_until = now + rotation_grace()
        locked.secret = secret
        locked.secret_rotated_at = now
        locked.save(
            update_fields=["previous_secret", "previous_until", "secret", "secret_rotated_at", "updated_at"]
        )
    sub.refresh_from_db()
    return secret


def signing_secrets(sub: Subscriber, now=None) -> list[str]:
    now = now or timezone.now()
    out = [sub.secret]
    if sub.previous_secret and sub.previous_until and sub.previous_until > now:
        out.append(sub.previous_secret)
    return out


# --- fan-out ------------------------------------------------------------------------------------


def _enqueue(delivery_ids, run_after=None) -> None:
    from .tasks import deliver

    task = deliver.using(run_after=run_after) if run_after else deliver
    for pk in delivery_ids:
        task.enqueue(pk)


def subscribers_for(event) -> list[int]:
    """The active subscribers that want this event type and hold the case's region (or one of
    its ancestors) as a jurisdiction. One query when nobody subscribes; two otherwise (the
    ancestors are walked up inside the second, so the territory's size does not matter)."""
    wanted = [
        pk
        for pk, types in Subscriber.objects.filter(active=True).values_list("pk", "event_types")
        if not types or event.action in types
    ]
    if not wanted:
        return []
    through = Subscriber.jurisdictions.through._meta.db_table
    region = Region._meta.db_table
    marks = ", ".join(["%s"] * len(wanted))
    sql = (
        f"WITH RECURSIVE up(id, parent_id) AS ("
        f"SELECT id, parent_id FROM {region} WHERE id = %s "
        f"UNION ALL SELECT r.id, r.parent_id FROM {region} r JOIN up ON r.id = up.parent_id) "
        f"SELECT DISTINCT j.subscriber_id FROM {through} j JOIN up ON j.region_id = up.id "
        f"WHERE j.subscriber_id IN ({marks}) ORDER BY j.subscriber_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [event.case.region_id, *wanted])
        return [row[0] for row in cursor.fetchall()]


def fan_out(event, now=None) -> list[Delivery]:
    """Deliveries (and their queued tasks) for a new case event, in the caller's transaction."""
    subscriber_ids = subscribers_for(event)
    if not subscriber_ids:
        return []
    now = now or timezone.now()
    with transaction.atomic():
        made = Delivery.objects.bulk_create(
            [
                Delivery(
                    subscriber_id=pk,
                    event=event,
                    event_type=f"case.{event.action}",
                    created_at=now,
                    next_attempt_at=now,
                    enqueued_at=now,
                )
                for pk in subscriber_ids
            ]
        )
        if any(d.pk is None for d in made):  # a database without RETURNING on bulk insert
            made = list(
                Delivery.objects.filter(event=event, subscriber_id__in=subscriber_ids, replay_of=None)
            )
        _enqueue([d.pk for d in made])
    return made


def on_case_event(sender, instance, created, raw=False, **kwargs) -> None:
    """post_save of CaseEvent: new event rows fan out (fixtures loaded raw do not)."""
    if created and not raw:
        fan_out(instance)


# --- sending ------------------------------------------------------------------------------------


def claim(delivery_id: int, now=None) -> bool:
    """Take a due delivery for sending (one worker only); False when it is not due or taken."""
    now = now or timezone.now()
    return bool(
        Delivery.objects.filter(pk=delivery_id, status=D.PENDING, next_attempt_at__lte=now).update(
            status=D.SENDING, claimed_until=now + lease()
        )
    )


def _after_failure(delivery: Delivery, now, error: str, code=None) -> None:
    """Count a failed try: wait (exponential backoff) and try again, or give up at the maximum."""
    attempts = delivery.attempts + 1
    fields = {
        "attempts": attempts,
        "claimed_until": None,
        "last_error": error[:300],
        "last_status_code": code,
    }
    if attempts >= max_attempts():
        fields["status"] = D.FAILED
        Delivery.objects.filter(pk=delivery.pk).update(**fields)
        logger.warning("webhook delivery %s failed for good after %d attempts", delivery.uid, attempts)
        return
    due = now + backoff(attempts)
    fields.update(status=D.PENDING, next_attempt_at=due, enqueued_at=now)
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
    _enqueue([delivery.pk], run_after=due)


def attempt(delivery_id: int) -> str:
    """One try at a delivery (the worker's task): claim, sign, POST, log, decide. Returns what
    happened: "delivered", "retry", "failed" or "skipped" (not due, or another worker has it)."""
    if not claim(delivery_id):
        return "skipped"
    delivery = Delivery.objects.select_related(
        "subscriber", "event__case__demand", "event__case__category", "event__case__region"
    ).get(pk=delivery_id)
    sub = delivery.subscriber
    started = timezone.now()
    if not sub.active:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=D.FAILED, claimed_until=None, last_error=_("The receiver is switched off.")
        )
        return "failed"
    body, headers = sending.build(delivery, signing_secrets(sub, started), started)
    outcome = sending.post(sub.url, body, headers, timeout())
    number = delivery.attempts + 1
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            number=number,
            at=started,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            response=outcome.response,
            error=outcome.error,
            ok=outcome.ok,
        )
        if outcome.refused:  # not a public address: no point trying again
            Delivery.objects.filter(pk=delivery.pk).update(
                status=D.FAILED,
                attempts=number,
                claimed_until=None,
                last_status_code=None,
                last_error=outcome.error[:300],
            )
            logger.warning("webhook delivery %s refused: %s", delivery.uid, outcome.error)
            return "failed"
        if outcome.ok:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=D.DELIVERED,
                attempts=number,
                claimed_until=None,
                delivered_at=timezone.now(),
                last_status_code=outcome.status_code,
                last_error="",
            )
            return "delivered"
        _after_failure(delivery, timezone.now(), outcome.error, outcome.status_code)
    delivery.refresh_from_db(fields=["status"])
    return "failed" if delivery.status == D.FAILED else "retry"


def replay(delivery: Delivery, by=None, now=None) -> Delivery:
    """Send a delivery's event again, as a new delivery (same event id, new delivery id)."""
    now = now or timezone.now()
    original = delivery.replay_of or delivery
    with transaction.atomic():
        again = Delivery.objects.create(
            subscriber=delivery.subscriber,
            event=delivery.event,
            event_type=delivery.event_type,
            created_at=now,
            next_attempt_at=now,
            enqueued_at=now,
            replay_of=original,
            replayed_by=by if getattr(by, "pk", None) else None,
        )
        _enqueue([again.pk])
    return again


def sweep(now=None) -> dict:
    """Revive sends whose worker died (lease over: counted as a failed attempt, retried at once)
    and re-enqueue due deliveries whose queued task was lost. Idempotent; `doorstep worker`
    enqueues it every scheduling round."""
    now = now or timezone.now()
    revived = 0
    for pk in list(
        Delivery.objects.filter(status=D.SENDING, claimed_until__lt=now)
        .order_by()
        .values_list("pk", flat=True)
    ):
        with transaction.atomic():
            delivery = Delivery.objects.select_for_update().get(pk=pk)
            if delivery.status != D.SENDING or delivery.claimed_until >= now:
                continue
            number = delivery.attempts + 1
            error = _("The worker stopped during this attempt; the receiver may have got it.")
            Attempt.objects.create(delivery=delivery, number=number, at=now, error=error)
            attempts = number
            fields = {"attempts": attempts, "claimed_until": None, "last_error": error}
            if attempts >= max_attempts():
                Delivery.objects.filter(pk=pk).update(status=D.FAILED, **fields)
            else:
                Delivery.objects.filter(pk=pk).update(status=D.PENDING, enqueued_at=now, **fields)
                _enqueue([pk])
                revived += 1
    stale = list(
        Delivery.objects.filter(
            status=D.PENDING, next_attempt_at__lte=now - sweep_grace(), enqueued_at__lte=now - sweep_grace()
        )
        .order_by()
        .values_list("pk", flat=True)[:1000]
    )
    if stale:
        with transaction.atomic():
            Delivery.objects.filter(pk__in=stale).update(enqueued_at=now)
            _enqueue(stale)
    return {"revived": revived, "requeued": len(stale)}
