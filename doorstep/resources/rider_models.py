"""New-employment groups (新就业群体): riders and couriers registered at a station, their QR
credential (a signed, revocable code), check-ins at red stations and volunteer roles.

A rider is a Person (the territory's record, tagged rider or courier): no personal data is kept
here twice. Staff scope follows the region of the station the rider registered at; a check-in
keeps the region of the station it was made at.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStampedModel


class VolunteerRole(models.Model):
    """A volunteer duty a rider may take on: 交通安全劝导员, 垃圾分类督导员, 食品安全督导员 …"""

    slug = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=32)

    class Meta:
        verbose_name = _("volunteer role")
        verbose_name_plural = _("volunteer roles")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class Rider(TimeStampedModel):
    class Kind(models.TextChoices):
        RIDER = "rider", _("delivery rider")
        COURIER = "courier", _("courier")

    class Platform(models.TextChoices):
        MEITUAN = "meituan", _("Meituan")
        ELEME = "eleme", _("Ele.me")
        SF = "sf", _("SF Express")
        JD = "jd", _("JD Logistics")
        ZTO = "zto", _("ZTO Express")
        YTO = "yto", _("YTO Express")
        YUNDA = "yunda", _("Yunda Express")
        STO = "sto", _("STO Express")
        EMS = "ems", _("China Post EMS")
        SHANSONG = "shansong", _("Shansong")
        DADA = "dada", _("Dada")
        OTHER = "other", _("other platform")

    person = models.OneToOneField(
        "territory.Person", on_delete=models.PROTECT, related_name="rider", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.RIDER)
    platform = models.CharField(_("platform"), max_length=12, choices=Platform.choices)
    station = models.ForeignKey(
        "resources.Place", on_delete=models.PROTECT, related_name="riders", verbose_name=_("station")
    )
    region = models.ForeignKey(
        "territory.Region",
        on_delete=models.PROTECT,
        related_name="riders",
        verbose_name=_("region"),
        help_text=_("The station's region: staff scope follows it."),
    )
    team = models.CharField(_("team"), max_length=64, blank=True)
    volunteer_roles = models.ManyToManyField(
        VolunteerRole, blank=True, related_name="riders", verbose_name=_("volunteer roles")
    )
    registered_at = models.DateTimeField(_("registered at"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    credential_serial = models.PositiveIntegerField(
        _("credential number"), default=1, help_text=_("Raised on revocation: earlier codes stop working.")
    )
    credential_revoked = models.BooleanField(_("credential revoked"), default=False)

    class Meta:
        verbose_name = _("rider or courier")
        verbose_name_plural = _("riders and couriers")
        ordering = ["-registered_at", "pk"]
        indexes = [models.Index(fields=["region", "registered_at"], name="rider_region_registered")]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_platform_display()}"


class RiderEvent(models.Model):
    """Every write to a rider: registered, changed, credential issued or revoked, left."""

    class Action(models.TextChoices):
        REGISTERED = "registered", _("registered")
        CHANGED = "changed", _("changed")
        REISSUED = "reissued", _("credential reissued")
        REVOKED = "revoked", _("credential revoked")
        LEFT = "left", _("left")

    rider = models.ForeignKey(Rider, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("rider event")
        verbose_name_plural = _("rider events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.rider} · {self.get_action_display()}"


class CheckIn(models.Model):
    """A rider checked in at a station by the station's staff (scan or typed code)."""

    class Method(models.TextChoices):
        SCAN = "scan", _("camera scan")
        TYPED = "typed", _("typed or pasted")

    rider = models.ForeignKey(
        Rider, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("rider")
    )
    station = models.ForeignKey(
        "resources.Place", on_delete=models.PROTECT, related_name="checkins", verbose_name=_("station")
    )
    region = models.ForeignKey("territory.Region", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("checked in at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, default=Method.TYPED)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["rider", "at"], name="checkin_rider_at"),
            models.Index(fields=["region", "at"], name="checkin_region_at"),
        ]

    def __str__(self) -> str:
        return f"{self.rider} @ {self.station}"
