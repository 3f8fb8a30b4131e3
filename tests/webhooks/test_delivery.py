"""Case events reach subscribed systems: signed, within their jurisdictions, retried with
exponential backoff, logged attempt by attempt, replayable, and never lost when a worker dies.

The receiver is a real HTTP server in a thread; the case moves through the real services; the
deliveries go through the real database task queue and worker. Nothing of ours is mocked.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from doorstep.demands import services as case_services
from doorstep.webhooks import services, tasks
from doorstep.webhooks.models import Attempt, Delivery
from tests.demands.factories import LoopWorld

from .helpers import receiver_verifies, run_worker_until

pytestmark = pytest.mark.django_db(transaction=True)
D = Delivery.Status


def subscribe(receiver, jurisdictions=("360902",), **extra):
    return services.create_subscriber(
        name=extra.pop("name", "袁州区12345"), url=receiver.url, jurisdictions=list(jurisdictions), **extra
    )


def deliver_task_rows():
    return DBTaskResult.objects.filter(task_path=tasks.deliver.module_path)


def test_every_case_event_reaches_the_receiver_signed_and_verifiable(city, receiver):
    w = LoopWorld(city)
    sub, secret = subscribe(receiver)
    case = w.report()  # event "submit"
    case_services.accept(case, w.community_staff)  # event "accept"
    # The rows and their queued tasks exist before anything is sent.
    deliveries = list(Delivery.objects.filter(subscriber=sub).order_by("pk"))
    assert [d.event_type for d in deliveries] == ["case.submit", "case.accept"]
    assert all(d.status == D.PENDING for d in deliveries)
    assert deliver_task_rows().filter(status="READY").count() == 2
    assert receiver.received == []

    assert run_worker_until(lambda: not Delivery.objects.exclude(status=D.DELIVERED).exists())
    assert len(receiver.received) == 2
    bodies = [receiver_verifies(r, secret) for r in receiver.received]
    assert sorted(b["type"] for b in bodies) == ["case.accept", "case.submit"]
    accept = next(b for b in bodies if b["type"] == "case.accept")
    assert accept["case"]["number"] == case.number
    assert accept["case"]["service_request_id"] == case.demand.number
    assert accept["case"]["region"] == w.compound.code
    assert accept["event"]["from_status"] == "submitted" and accept["event"]["to_status"] == "accepted"
    assert accept["event_id"] == f"evt_{case.events.get(action='accept').pk}"
    # Each attempt is logged with its answer.
    for d in Delivery.objects.filter(subscriber=sub):
        assert d.attempts == 1 and d.last_status_code == 200 and d.delivered_at is not None
        (a,) = Attempt.objects.filter(delivery=d)
        assert (a.number, a.status_code, a.ok, a.response, a.error) == (1, 200, True, "ok", "")
    # A tampered body, or another secret, does not verify.
    tampered = receiver.received[0]
    tampered.body = tampered.body.replace(b"case.", b"case!")
    with pytest.raises(AssertionError, match="bad signature"):
        receiver_verifies(tampered, secret)
    with pytest.raises(AssertionError, match="bad signature"):
        receiver_verifies(receiver.received[1], "whsec_someone-else")


def test_a_receiver_limited_to_one_county_hears_nothing_of_another(city, receiver):
    w = LoopWorld(city)
    other, _ = subscribe(receiver, ["360923"], name="上高县12345")  # 上高县: the case is in 袁州区
    city_wide, _ = subscribe(receiver, ["360900"], name="市12345")
    only_closing, _ = subscribe(receiver, ["360902002"], name="秀江街道", event_types=["verify", "accept"])
    switched_off, _ = subscribe(receiver, ["360902"], name="停用", active=False)
    case = w.report()
    case_services.accept(case, w.community_staff)
    assert not Delivery.objects.filter(subscriber__in=[other, switched_off]).exists()
    assert Delivery.objects.filter(subscriber=city_wide).count() == 2
    assert list(Delivery.objects.filter(subscriber=only_closing).values_list("event_type", flat=True)) == [
        "case.accept"
    ]
    assert run_worker_until(lambda: Delivery.objects.filter(status=D.DELIVERED).count() == 3)
    names = sorted(json.loads(r.body)["type"] for r in receiver.received)
    assert names == ["case.accept", "case.accept", "case.submit"]


def test_500s_are_retried_with_exponential_backoff_until_delivered(city, receiver):
    receiver.script = [(500, 0), (503, 0), (200, 0)]
    w = LoopWorld(city)
    sub, secret = subscribe(receiver, event_types=["submit"])
    w.report()
    d = Delivery.objects.get(subscriber=sub)
    assert run_worker_until(lambda: Delivery.objects.get(pk=d.pk).status == D.DELIVERED)
    d.refresh_from_db()
    assert d.attempts == 3 and d.last_status_code == 200
    log = list(Attempt.objects.filter(delivery=d).values_list("number", "status_code", "ok", "error"))
    assert log == [(1, 500, False, "HTTP 500"), (2, 503, False, "HTTP 503"), (3, 200, True, "")]
    assert Attempt.objects.get(delivery=d, number=1).response == "receiver trouble"
    # Backoff 0.1 s, then 0.2 s: the receiver saw the gaps grow.
    at = [r.at for r in receiver.received]
    assert at[1] - at[0] >= 0.1 and at[2] - at[1] >= 0.2
    # Every attempt is the same event, freshly signed.
    bodies = [receiver_verifies(r, secret) for r in receiver.received]
    assert len({b["event_id"] for b in bodies}) == 1 and len({b["id"] for b in bodies}) == 1


def test_a_receiver_that_does_not_answer_in_time_is_tried_again(city, receiver):
    receiver.script = [(200, 2.0), (200, 0)]  # the first answer comes after the 0.5 s limit
    w = LoopWorld(city)
    sub, _ = subscribe(receiver, event_types=["submit"])
    w.report()
    d = Delivery.objects.get(subscriber=sub)
    assert run_worker_until(lambda: Delivery.objects.get(pk=d.pk).status == D.DELIVERED)
    first, second = Attempt.objects.filter(delivery=d).order_by("number")
    assert first.status_code is None and first.error.startswith("timeout") and not first.ok
    assert first.duration_ms >= 450
    assert second.ok and second.status_code == 200


def test_after_the_last_attempt_the_delivery_fails_and_stays_in_the_log(city, receiver, settings):
    settings.DOORSTEP_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.script = [(500, 0)]
    w = LoopWorld(city)
    sub, _ = subscribe(receiver, event_types=["submit"])
    w.report()
    d = Delivery.objects.get(subscriber=sub)
    assert run_worker_until(lambda: Delivery.objects.get(pk=d.pk).status == D.FAILED)
    d.refresh_from_db()
    assert d.attempts == 3 and d.last_error == "HTTP 500"
    assert Attempt.objects.filter(delivery=d).count() == 3 == len(receiver.received)
    assert services.backoff(1).total_seconds() == 0.1 and services.backoff(3).total_seconds() == 0.4


def test_backoff_doubles_up_to_its_cap(settings):
    settings.DOORSTEP_WEBHOOK_BACKOFF_SECONDS = 30
    settings.DOORSTEP_WEBHOOK_BACKOFF_MAX_SECONDS = 3600
    waits = [services.backoff(n).total_seconds() for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_replay_sends_the_same_event_again_as_a_new_delivery(city, receiver, admin_user):
    w = LoopWorld(city)
    sub, secret = subscribe(receiver, event_types=["submit"])
    w.report()
    first = Delivery.objects.get(subscriber=sub)
    assert run_worker_until(lambda: Delivery.objects.get(pk=first.pk).status == D.DELIVERED)
    again = services.replay(first, by=admin_user)
    assert again.pk != first.pk and again.replay_of == first and again.status == D.PENDING
    assert run_worker_until(lambda: Delivery.objects.get(pk=again.pk).status == D.DELIVERED)
    one, two = (receiver_verifies(r, secret) for r in receiver.received)
    assert one["event_id"] == two["event_id"]  # the receiver can tell it is the same event
    assert one["id"] != two["id"] and (one["replay"], two["replay"]) == (False, True)
    assert one["case"] == two["case"] or two["case"]["number"] == one["case"]["number"]


def test_a_delivery_survives_a_worker_that_dies_while_sending(city, receiver):
    w = LoopWorld(city)
    sub, secret = subscribe(receiver, event_types=["submit"])
    with transaction.atomic():
        case = w.report()
        # Inside the event's transaction the delivery and its task are already written …
        d = Delivery.objects.get(subscriber=sub, event__case=case)
        assert deliver_task_rows().filter(status="READY").exists()
    # … and a transaction rolled back leaves neither.
    with pytest.raises(RuntimeError), transaction.atomic():
        w.report()
        raise RuntimeError("the request failed after the event")
    assert Delivery.objects.count() == 1 and deliver_task_rows().count() == 1
    # A worker claims it and dies before the receiver answers (killed, power cut).
    assert services.claim(d.pk)
    d.refresh_from_db()
    assert d.status == D.SENDING and d.claimed_until > timezone.now()
    # Another worker's queued task finds it taken and leaves it.
    assert run_worker_until(lambda: not deliver_task_rows().filter(status="READY").exists())
    assert receiver.received == [] and Delivery.objects.get(pk=d.pk).status == D.SENDING
    # A restarted `doorstep worker` after the claim's lease ran out: the sweep sends it again.
    later = (d.claimed_until + services.sweep_grace()).isoformat()
    call_command("worker", "--once", "--now", later, stdout=StringIO())
    assert run_worker_until(lambda: Delivery.objects.get(pk=d.pk).status == D.DELIVERED)
    d.refresh_from_db()
    assert d.attempts == 2
    lost, sent = Attempt.objects.filter(delivery=d).order_by("number")
    assert "worker stopped" in lost.error or "中断" in lost.error
    assert sent.ok and len(receiver.received) == 1
    receiver_verifies(receiver.received[0], secret)
    # Sweeping again changes nothing.
    assert services.sweep() == {"revived": 0, "requeued": 0}


def test_a_due_delivery_whose_task_was_lost_is_queued_again(city, receiver):
    w = LoopWorld(city)
    sub, _ = subscribe(receiver, event_types=["submit"])
    w.report()
    deliver_task_rows().delete()  # the queue lost it (a restored backup, a purge)
    d = Delivery.objects.get(subscriber=sub)
    assert services.sweep() == {"revived": 0, "requeued": 0}  # not yet: it may just be waiting
    assert services.sweep(timezone.now() + services.sweep_grace()) == {"revived": 0, "requeued": 1}
    assert run_worker_until(lambda: Delivery.objects.get(pk=d.pk).status == D.DELIVERED)
    assert len(receiver.received) == 1


def test_a_rotated_secret_signs_beside_the_old_one_for_the_grace_period(city, receiver, settings):
    w = LoopWorld(city)
    sub, old = subscribe(receiver, event_types=["submit", "accept"])
    new = services.rotate_secret(sub)
    assert new != old and new.startswith("whsec_")
    sub.refresh_from_db()
    assert sub.secret == new and sub.secret_rotated_at is not None
    case = w.report()
    assert run_worker_until(lambda: Delivery.objects.filter(status=D.DELIVERED).count() == 1)
    got = receiver.received[0]
    assert got.headers["X-Doorstep-Signature"].count("sha256=") == 2
    receiver_verifies(got, new)
    receiver_verifies(got, old)
    # After the grace period only the new secret signs.
    settings.DOORSTEP_WEBHOOK_ROTATION_GRACE_HOURS = 0
    services.rotate_secret(sub)
    sub.refresh_from_db()
    newest = sub.secret
    case_services.accept(case, w.community_staff)
    assert run_worker_until(lambda: Delivery.objects.filter(status=D.DELIVERED).count() == 2)
    latest = receiver.received[1]
    assert latest.headers["X-Doorstep-Signature"].count("sha256=") == 1
    receiver_verifies(latest, newest)
    with pytest.raises(AssertionError):
        receiver_verifies(latest, new)


def test_bad_subscriber_input_is_refused_in_chinese_and_nothing_is_made(city):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.create_subscriber(name="", url="ftp://x", jurisdictions=["999999"], event_types=["explode"])
    text = " ".join(exc.value.messages)
    assert "请填写接收方名称" in text and "http" in text and "999999" in text and "explode" in text
    from doorstep.webhooks.models import Subscriber

    assert not Subscriber.objects.exists()
