"""Service orders (群众点单): a resident orders a service from a place's menu; community staff
dispatch it to a volunteer or a team, or a volunteer of the community claims it from the open
list; the volunteer marks it done with evidence, the resident rates it.

The status moves only through `orders.TABLE` (one transition function); every move is an
OrderEvent row. The order belongs to the community of the place (staff scope and the
volunteers who may claim it follow it).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import StatusEvent, TimeStampedModel


class ServiceOrder(TimeStampedModel):
    class Status(models.TextChoices):
        ORDERED = "ordered", _("waiting for a volunteer")
        DISPATCHED = "dispatched", _("dispatched")
        CLAIMED = "claimed", _("claimed")
        DONE = "done", _("done")
        RATED = "rated", _("rated")
        CANCELLED = "cancelled", _("cancelled")

    service = models.ForeignKey(
        "resources.Service", on_delete=models.PROTECT, related_name="orders", verbose_name=_("service")
    )
    place = models.ForeignKey(
        "resources.Place", on_delete=models.PROTECT, related_name="orders", verbose_name=_("service place")
    )
    region = models.ForeignKey(
        "territory.Region",
        on_delete=models.PROTECT,
        related_name="service_orders",
        verbose_name=_("community"),
        help_text=_("The community of the place: its staff and volunteer teams take the order."),
    )
    resident = models.ForeignKey(
        "territory.Person",
        on_delete=models.PROTECT,
        related_name="service_orders",
        verbose_name=_("resident"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ordered by")
    )
    need = models.TextField(_("what is needed"))
    preferred_at = models.DateTimeField(_("preferred time"), null=True, blank=True)
    dwelling = models.ForeignKey(
        "territory.Dwelling",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dwelling"),
    )
    address = models.CharField(_("where"), max_length=200, blank=True)
    phone = models.CharField(_("contact phone"), max_length=11)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ORDERED)
    team = models.ForeignKey(
        "resources.VolunteerTeam",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("team"),
    )
    assignee = models.ForeignKey(
        "territory.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders_taken",
        verbose_name=_("volunteer"),
    )
    claim_due = models.DateTimeField(_("to be taken by"))
    done_due = models.DateTimeField(_("to be done by"), null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)
    hours = models.DecimalField(_("service hours"), max_digits=5, decimal_places=2, default=0)
    rating = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["region", "status"], name="order_region_status"),
            models.Index(fields=["status", "claim_due"], name="order_status_claim_due"),
            models.Index(fields=["user", "created_at"], name="order_user_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="order_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.service_id}"

    @property
    def number(self) -> str:
        return f"D{self.pk:06d}" if self.pk else ""

    @property
    def where(self) -> str:
        if self.dwelling_id:
            d = self.dwelling
            return f"{d.building.compound.name} {d.building.number} {d.stairwell_unit}单元 {d.room}"
        return self.address

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.ORDERED, self.Status.DISPATCHED, self.Status.CLAIMED)


class OrderEvent(StatusEvent):
    """One row per move of an order (and per escalation): who, when, from, to, why."""

    order = models.ForeignKey(
        ServiceOrder, on_delete=models.CASCADE, related_name="events", verbose_name=_("service order")
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("service order event")
        verbose_name_plural = _("service order events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="orderevent_order_at")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


class OrderPhoto(models.Model):
    """Evidence that an order was done: the clean copy (re-encoded, no metadata) and a thumbnail."""

    order = models.ForeignKey(
        ServiceOrder, on_delete=models.CASCADE, related_name="photos", verbose_name=_("service order")
    )
    token = models.CharField(max_length=32, unique=True)
    image = models.FileField(_("photo"), upload_to="orders/photos/")
    thumbnail = models.FileField(_("thumbnail"), upload_to="orders/thumbs/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("order photo")
        verbose_name_plural = _("order photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.token
