"""Intake bookkeeping: the daily number counter, one-time keys, and the triage log."""

import contextlib

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _


class DemandCounter(models.Model):
    """The last sequence number handed out on one day (demand numbers are date + sequence).

    One row per day, bumped with an UPDATE inside the submitting transaction: the row lock
    (PostgreSQL) or the write lock (SQLite) makes two submissions take turns, and a rolled
    back submission gives its number back, so the numbers of a day have no gaps.
    """

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("demand number counter")
        verbose_name_plural = _("demand number counters")

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}: {self.last}"


class IntakeKey(models.Model):
    """A key that may be used once: a client's submission key (a double submit returns the
    first demand) or an external ticket number per channel (a 12345 ticket entered twice is
    refused). The unique index decides races between two requests at the same moment."""

    key = models.CharField(max_length=120, unique=True)
    demand = models.ForeignKey(
        "demands.Demand", on_delete=models.CASCADE, related_name="intake_keys", verbose_name=_("demand")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("intake key")
        verbose_name_plural = _("intake keys")

    def __str__(self) -> str:
        return self.key


class TriageEvent(models.Model):
    """One triage decision on a demand (small / hard / big / duplicate): who, when, why."""

    demand = models.ForeignKey(
        "demands.Demand", on_delete=models.CASCADE, related_name="triage_events", verbose_name=_("demand")
    )
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    from_triage = models.CharField(_("from"), max_length=16)
    to_triage = models.CharField(_("to"), max_length=16)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("triage decision")
        verbose_name_plural = _("triage decisions")
        ordering = ["demand", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.demand} {self.from_triage}→{self.to_triage}"


@receiver(post_delete, sender="demands.Photo")
def _remove_photo_files(sender, instance, **kwargs):
    """A deleted photo row (a demand erased at the resident's request) takes its files with it,
    once the deletion commits."""
    storage = instance._meta.get_field("original").storage
    names = [f.name for f in (instance.original, instance.public, instance.thumbnail) if f and f.name]

    def remove():
        for name in names:
            with contextlib.suppress(Exception):  # a missing file is no reason to fail a deletion
                storage.delete(name)

    transaction.on_commit(remove)
