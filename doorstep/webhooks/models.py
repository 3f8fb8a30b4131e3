"""Outbound webhooks: other systems subscribe to case events of their jurisdictions.

A Subscriber is one receiving system (a 12345 hotline, a platform's back end) with its URL, its own
secret (encrypted at rest; every body is signed with HMAC-SHA256 under it), the event types it
wants and the regions it may hear about. Every case event row of a case inside those regions
makes one Delivery in the same transaction as the event; the worker sends it, retrying with
exponential backoff, and logs each Attempt. A replay is a new Delivery of the same event.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStampedModel
from doorstep.core.pii import EncryptedTextField


class Subscriber(TimeStampedModel):
    name = models.CharField(_("receiver"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = EncryptedTextField(_("secret"), editable=False)
    # After a rotation the old secret also signs, until `previous_until`, so the receiver can
    # switch without losing deliveries.
    previous_secret = EncryptedTextField(blank=True, default="", editable=False)
    previous_until = models.DateTimeField(null=True, blank=True, editable=False)
    secret_rotated_at = models.DateTimeField(_("secret rotated at"), null=True, blank=True, editable=False)
    event_types = models.JSONField(
        _("event types"), default=list, blank=True, help_text=_("Empty: every case event.")
    )
    jurisdictions = models.ManyToManyField(
        "territory.Region",
        related_name="webhook_subscribers",
        verbose_name=_("jurisdictions"),
        help_text=_("Only events of cases in these regions (and everything below them) are sent."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("webhook subscriber")
        verbose_name_plural = _("webhook subscribers")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """Any form saving a receiver (the admin's included) refuses a non-public address."""
        from django.core.exceptions import ValidationError

        from .addresses import refusal

        super().clean()
        refused = refusal(self.url) if self.url else None
        if refused:
            raise ValidationError({"url": [refused]})


class Delivery(models.Model):
    """One case event for one subscriber, from its row (written with the event) to its outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("sending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("receiver")
    )
    event = models.ForeignKey(
        "demands.CaseEvent", on_delete=models.CASCADE, related_name="+", verbose_name=_("case event")
    )
    event_type = models.CharField(_("event type"), max_length=40)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    # When the worker last put a task for it in the queue (the sweep re-enqueues lost ones).
    enqueued_at = models.DateTimeField()
    # A worker sending it holds it until then; past it, the worker is taken to have died.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    replay_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replays",
        verbose_name=_("replay of"),
    )
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["subscriber", "created_at"], name="delivery_subscriber"),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id} {self.event_type} {self.uid}"


class Attempt(models.Model):
    """One try at sending a delivery: what came back, how long it took, what went wrong."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("time"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response = models.CharField(_("response (start)"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    ok = models.BooleanField(_("delivered"), default=False)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery", "number", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number} {self.status_code or self.error}"
