"""Telling people: the inbox, and messages that leave the system (SMS, WeChat).

`notify(user, text, case=..., kind=...)` puts a line in the user's inbox (the bell in the top
bar). With `sms=True`, or for someone known only by a phone (`message_phone`), a message is
also handed, after the transaction commits, to the message backend named by the
DOORSTEP_MESSAGE_BACKEND setting. Every attempt is logged as an OutboundMessage with the
backend's honest answer.

The default backend, LogBackend, has no gateway: it writes "SMS not sent: no SMS gateway
configured; message: …" to the log and records the message as not sent. A real gateway is a
subclass of MessageBackend whose `send` returns SendResult("sent", external_id=...) only when
the gateway accepted the message.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Notification, OutboundMessage
from .pii import mask_phone

logger = logging.getLogger("doorstep.notify")
Status = OutboundMessage.Status

DEFAULT_BACKEND = "doorstep.core.notify.LogBackend"


@dataclass(frozen=True)
class SendResult:
    """What a gateway said: status is one of OutboundMessage.Status."""

    status: str
    detail: str = ""
    external_id: str = ""


class MessageBackend:
    """The interface of an SMS / WeChat gateway. Subclass it and name the subclass in
    DOORSTEP_MESSAGE_BACKEND. `to` is a mobile number for SMS, an openid for WeChat."""

    def send(self, *, channel: str, to: str, text: str) -> SendResult:
        raise NotImplementedError


class LogBackend(MessageBackend):
    """No gateway: the message goes to the log, and is recorded as not sent."""

    NAMES = {"sms": "SMS", "wechat": "WeChat message"}

    def send(self, *, channel: str, to: str, text: str) -> SendResult:
        name = self.NAMES.get(channel, channel)
        gateway = "SMS" if channel == "sms" else "WeChat" if channel == "wechat" else channel
        logger.warning(
            "%s not sent: no %s gateway configured; message: %s (to %s)",
            name,
            gateway,
            text,
            mask_phone(to) if channel == "sms" else "…",
        )
        return SendResult(Status.NOT_SENT, detail=f"no {gateway} gateway configured")


def get_backend() -> MessageBackend:
    path = getattr(settings, "DOORSTEP_MESSAGE_BACKEND", "") or DEFAULT_BACKEND
    return import_string(path)()


def backend_path() -> str:
    return getattr(settings, "DOORSTEP_MESSAGE_BACKEND", "") or DEFAULT_BACKEND


def send_message(channel: str, to: str, text: str, *, recipient=None, kind: str = "", case=None):
    """Hand one message to the backend now and log the attempt; returns the OutboundMessage."""
    try:
        result = get_backend().send(channel=channel, to=to, text=text)
        if result.status not in Status.values:
            result = SendResult(Status.FAILED, detail=f"backend answered {result.status!r}")
    except Exception as exc:  # a gateway failing must not break the case loop
        logger.exception("%s to %s failed", channel, mask_phone(to))
        result = SendResult(Status.FAILED, detail=str(exc)[:300])
    return OutboundMessage.objects.create(
        channel=channel,
        recipient=recipient if getattr(recipient, "pk", None) else None,
        to_masked=mask_phone(to) if channel == "sms" else to[:4] + "…",
        kind=kind,
        text=text,
        case=case if getattr(case, "pk", None) else None,
        backend=backend_path(),
        status=result.status,
        detail=result.detail[:300],
        external_id=result.external_id[:100],
        created_at=timezone.now(),
    )


def _after_commit(channel: str, to: str, text: str, **kwargs) -> None:
    transaction.on_commit(lambda: send_message(channel, to, text, **kwargs))


def user_phone(user) -> str:
    """The mobile number of a login's person record, if any."""
    try:
        return user.person.phone or ""
    except (ObjectDoesNotExist, AttributeError):
        return ""


def notify(
    recipient_user, text: str, *, case=None, kind: str = "", url: str = "", sms: bool = False, at=None
):
    """Put `text` in the user's inbox (and send it by SMS when asked and a phone is known)."""
    if recipient_user is None or not getattr(recipient_user, "is_active", False):
        return None
    note = Notification.objects.create(
        recipient=recipient_user,
        kind=kind,
        text=str(text),
        case=case,
        url=url,
        created_at=at or timezone.now(),
    )
    if sms:
        phone = user_phone(recipient_user)
        if phone:
            _after_commit("sms", phone, str(text), recipient=recipient_user, kind=kind, case=case)
    return note


def notify_many(users: Iterable, text: str, *, exclude=None, **kwargs) -> list:
    """notify() each active user once, leaving out `exclude` (the person who acted): one bulk
    insert of inbox lines however many there are (SMS, when asked, still go one by one)."""
    seen = {getattr(exclude, "pk", None)}
    recipients = []
    for user in users:
        if user is None or user.pk in seen or not getattr(user, "is_active", False):
            continue
        seen.add(user.pk)
        recipients.append(user)
    if not recipients:
        return []
    sms = kwargs.pop("sms", False)
    case, kind, url = kwargs.get("case"), kwargs.get("kind", ""), kwargs.get("url", "")
    at = kwargs.get("at") or timezone.now()
    notes = Notification.objects.bulk_create(
        [
            Notification(recipient=u, kind=kind, text=str(text), case=case, url=url, created_at=at)
            for u in recipients
        ],
        batch_size=500,
    )
    if sms:
        for u in recipients:
            phone = user_phone(u)
            if phone:
                _after_commit("sms", phone, str(text), recipient=u, kind=kind, case=case)
    return notes


def message_phone(phone: str, text: str, *, kind: str = "", case=None) -> None:
    """An SMS to someone known only by a phone number (sent after the transaction commits)."""
    if phone:
        _after_commit("sms", phone, str(text), kind=kind, case=case)


# --- the inbox -----------------------------------------------------------------------------------


def inbox(user, *, unread_only: bool = False):
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def unread_count(user) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, ids=None) -> int:
    """Mark the user's notifications read (all of them, or those with these ids)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
