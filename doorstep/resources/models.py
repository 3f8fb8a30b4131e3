"""Places at the door (阵地) and their service catalogue (服务清单).

A place lies at a WGS-84 point; the system and numbers it was given in are kept (as demands keep
theirs). Its region is the finest region holding the point (a compound, else a community …),
found by the territory's point location: staff scope follows it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStampedModel

from .hours import validate_hours


class Place(TimeStampedModel):
    class Kind(models.TextChoices):
        SERVICE_CENTRE = "service_centre", _("party and public service centre")
        SERVICE_STATION = "service_station", _("compound party and public service station")
        RED_STATION = "red_station", _("red station")
        MICRO_POSITION = "micro_position", _("micro position")
        PARLOUR = "parlour", _("party and public parlour")
        DISCUSSION_CORNER = "discussion_corner", _("discussion corner")
        FRIENDLY_COMMUNITY = "friendly_community", _("friendly community")
        FRIENDLY_BUSINESS = "friendly_business", _("friendly business district")
        FRIENDLY_SCENE = "friendly_scene", _("other friendly scene")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    red_mark = models.BooleanField(
        _("「红木莲」 mark"), default=False, help_text=_("Shown with the 「红木莲」 mark on online maps.")
    )
    region = models.ForeignKey(
        "territory.Region",
        on_delete=models.PROTECT,
        related_name="places",
        verbose_name=_("region"),
        help_text=_("Found from the location: the compound or community the place lies in."),
    )
    lng = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    input_system = models.CharField(_("coordinate system given"), max_length=8, default="wgs84")
    input_lng = models.FloatField(_("longitude given"))
    input_lat = models.FloatField(_("latitude given"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    hours = models.JSONField(
        _("opening hours"),
        default=dict,
        blank=True,
        validators=[validate_hours],
        help_text=_(
            'Weekdays to time blocks, e.g. {"mon": ["08:30-12:00", "14:30-17:30"]}; a missing day is closed.'
        ),
    )
    hours_note = models.CharField(_("note on opening hours"), max_length=200, blank=True)
    phone = models.CharField(
        _("public phone"),
        max_length=32,
        blank=True,
        help_text=_("The place's own public number, never a person's."),
    )
    facilities = models.TextField(_("facilities"), blank=True, help_text=_("One per line."))
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("service place")
        verbose_name_plural = _("service places")
        ordering = ["name", "pk"]
        indexes = [
            # near me: a latitude band read from the index, longitude checked in the same index
            models.Index(fields=["lat", "lng"], name="place_lat_lng"),
            models.Index(fields=["region", "kind"], name="place_region_kind"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def facility_list(self) -> list[str]:
        return [line.strip() for line in self.facilities.splitlines() if line.strip()]

    @property
    def is_station(self) -> bool:
        return self.kind in STATION_KINDS


# The kinds counted as "stations" for coverage and figures (seed.md §2: 476 red stations, 128
# compound service stations, the service centres).
STATION_KINDS = frozenset({Place.Kind.SERVICE_CENTRE, Place.Kind.SERVICE_STATION, Place.Kind.RED_STATION})


class Service(TimeStampedModel):
    class Booking(models.TextChoices):
        WALK_IN = "walk_in", _("just come in")
        PHONE = "phone", _("book by phone")
        ONLINE = "online", _("book online")
        ORDER = "order", _("order from the service menu")

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="services", verbose_name=_("service place")
    )
    name = models.CharField(_("service name"), max_length=100)
    provider = models.ForeignKey(
        "territory.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="place_services",
        verbose_name=_("provider organisation"),
    )
    provider_name = models.CharField(
        _("provider"),
        max_length=100,
        blank=True,
        help_text=_("When the provider is not a registered organisation."),
    )
    is_free = models.BooleanField(_("free"), default=True)
    price_note = models.CharField(_("price"), max_length=100, blank=True)
    booking = models.CharField(
        _("how to book"), max_length=8, choices=Booking.choices, default=Booking.WALK_IN
    )
    booking_note = models.CharField(_("booking details"), max_length=200, blank=True)
    started_on = models.DateField(_("offered since"), null=True, blank=True)
    ended_on = models.DateField(_("offered until"), null=True, blank=True)

    class Meta:
        verbose_name = _("place service")
        verbose_name_plural = _("place services")
        ordering = ["place", "name", "pk"]
        indexes = [models.Index(fields=["name"], name="service_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def provider_label(self) -> str:
        return self.provider.name if self.provider_id else self.provider_name


class PlaceEvent(models.Model):
    """Every write to a place or its services: who, when, what (the audit trail)."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("changed")
        MOVED = "moved", _("moved")
        CLOSED = "closed", _("closed")
        SERVICE_ADDED = "service_added", _("service added")
        SERVICE_CHANGED = "service_changed", _("service changed")
        SERVICE_ENDED = "service_ended", _("service ended")

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="events", verbose_name=_("service place")
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("place event")
        verbose_name_plural = _("place events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.place} · {self.get_action_display()}"


# Riders and the points ledger live in their own modules (split by sub-domain).
from .activity_models import ActivitySignup, JointActivity  # noqa: E402, F401, I001
from .order_models import OrderEvent, OrderPhoto, ServiceOrder  # noqa: E402, F401
from .point_models import LedgerIsAppendOnly, PointEntry  # noqa: E402, F401
from .rider_models import CheckIn, Rider, RiderEvent, VolunteerRole  # noqa: E402, F401
from .talent_models import (  # noqa: E402, F401, I001
    ConsultationEvent,
    ConsultationRequest,
    Expert,
    ExpertVisit,
    Observer,
    Suggestion,
    SuggestionEvent,
    TrainingEnrolment,
    TrainingSession,
)
from .team_models import TeamMember, VolunteerTeam  # noqa: E402, F401
from .wish_models import Wish, WishEvent  # noqa: E402, F401, I001
