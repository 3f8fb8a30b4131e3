"""Notifications: the inbox every user has, and the log of messages sent (or not) outside it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One line in a user's inbox: what happened, about which case, and whether it was read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=32, blank=True)
    text = models.TextField(_("text"))
    case = models.ForeignKey(
        "demands.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("case"),
    )
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.text[:40]


class OutboundMessage(models.Model):
    """A message meant to leave the system (SMS, WeChat) and what really became of it.

    The status is the backend's honest answer: "not sent" when no gateway is configured, never a
    pretended "sent". The phone number is kept masked only (PIPL: the log needs no full number).
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        WECHAT = "wechat", _("WeChat")

    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        NOT_SENT = "not_sent", _("not sent: no gateway")
        FAILED = "failed", _("failed")

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    to_masked = models.CharField(_("to"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=32, blank=True)
    text = models.TextField(_("text"))
    # Deleted with its case (an erased or demo case leaves no message log behind).
    case = models.ForeignKey(
        "demands.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    backend = models.CharField(_("backend"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    external_id = models.CharField(_("gateway message id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.channel} {self.to_masked} {self.status}"
