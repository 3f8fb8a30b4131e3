"""Volunteer hours and points (积分): an append-only ledger.

An entry is written once and never changed or deleted: a mistake is corrected by a reversing
entry (the same amounts negated, pointing at the entry it reverses). Balances and rankings are
sums over the ledger. The model refuses updates and deletes (save of a stored row, delete, and
the queryset's update/delete), so no code path can rewrite history.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LedgerIsAppendOnly(Exception):
    """Raised on any attempt to change or delete a ledger entry."""


class PointEntryQuerySet(models.QuerySet):
    def update(self, *args, **kwargs):
        raise LedgerIsAppendOnly("point entries are never changed: add a reversing entry")

    def bulk_update(self, *args, **kwargs):
        raise LedgerIsAppendOnly("point entries are never changed: add a reversing entry")

    def delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly("point entries are never deleted: add a reversing entry")

    def _raw_delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly("point entries are never deleted: add a reversing entry")


class PointEntry(models.Model):
    class Kind(models.TextChoices):
        EARN = "earn", _("earned")
        REDEEM = "redeem", _("redeemed")

    class Source(models.TextChoices):
        MANUAL = "manual", _("entered by staff")
        CHECKIN = "checkin", _("station check-in")
        REPORT = "report", _("report (随手拍)")
        SERVICE = "service", _("volunteer service")

    person = models.ForeignKey(
        "territory.Person", on_delete=models.PROTECT, related_name="point_entries", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.MANUAL)
    source_key = models.CharField(
        max_length=40,
        null=True,
        blank=True,
        unique=True,
        help_text="e.g. checkin:12 — the same event earns once",
    )
    points = models.IntegerField(_("points"))
    hours = models.DecimalField(_("service hours"), max_digits=7, decimal_places=2, default=0)
    region = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    team = models.CharField(_("team"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    partner = models.CharField(_("partner shop"), max_length=100, blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
        verbose_name=_("reverses"),
    )
    on = models.DateField(_("date"))
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PointEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["person", "at"], name="points_person_at"),
            models.Index(fields=["region", "on"], name="points_region_on"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reverses__isnull=False)
                | Q(kind="earn", points__gte=0, hours__gte=0)
                | Q(kind="redeem", points__lt=0, hours=0),
                name="points_entry_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.points:+d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerIsAppendOnly("point entries are never changed: add a reversing entry")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly("point entries are never deleted: add a reversing entry")
