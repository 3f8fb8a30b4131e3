"""一月一联建: a co-building unit (共建单位) and a community hold one joint activity a month.

Residents, party members and volunteers sign up (one place each, up to the capacity); staff take
attendance, which may credit volunteer hours and points once. Sign-ups are rows that are
withdrawn, never deleted, so a month's figures can be read back.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStampedModel


class JointActivity(TimeStampedModel):
    unit = models.ForeignKey(
        "territory.Organization",
        on_delete=models.PROTECT,
        related_name="joint_activities",
        verbose_name=_("co-building unit"),
    )
    community = models.ForeignKey(
        "territory.Region",
        on_delete=models.PROTECT,
        related_name="joint_activities",
        verbose_name=_("community"),
    )
    title = models.CharField(_("activity title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.ForeignKey(
        "resources.Place",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="joint_activities",
        verbose_name=_("service place"),
    )
    place_text = models.CharField(_("place"), max_length=100, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    hours = models.DecimalField(_("volunteer hours credited"), max_digits=5, decimal_places=2, default=0)
    points = models.PositiveIntegerField(_("points credited"), default=0)
    held_at = models.DateTimeField(_("attendance taken at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("joint activity")
        verbose_name_plural = _("joint activities")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["community", "starts_at"], name="jointact_comm_start")]

    def __str__(self) -> str:
        return self.title

    @property
    def where(self) -> str:
        return self.place.name if self.place_id else self.place_text


class ActivitySignup(models.Model):
    activity = models.ForeignKey(
        JointActivity, on_delete=models.PROTECT, related_name="signups", verbose_name=_("joint activity")
    )
    person = models.ForeignKey(
        "territory.Person",
        on_delete=models.PROTECT,
        related_name="activity_signups",
        verbose_name=_("person"),
    )
    signed_at = models.DateTimeField(_("signed up at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(_("attendance marked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("activity sign-up")
        verbose_name_plural = _("activity sign-ups")
        ordering = ["activity", "signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "person"],
                condition=Q(withdrawn_at__isnull=True),
                name="activity_signup_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.activity}"
