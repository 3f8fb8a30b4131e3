from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStampedModel


class Demand(TimeStampedModel):
    """A voice: whatever came in, from whichever channel, before anyone decided what it is.

    Created only by `demands.intake.submit_demand`, which locates, categorises and checks it
    for duplicates and repeats. A small matter becomes a Case; a hard one goes to the council
    (topic), a big one to a project.
    """

    class Channel(models.TextChoices):
        PHONE = "phone", _("resident phone report")
        RIDER = "rider", _("rider report")
        HOTLINE = "hotline", _("12345 transfer")
        VISIT = "visit", _("door visit")
        PATROL = "patrol", _("grid patrol")
        ONLINE_GROUP = "online_group", _("online group")
        OBSERVER = "observer", _("observer suggestion")
        DELIBERATION = "deliberation", _("deliberation")
        OPEN311 = "open311", _("Open311")
        API = "api", _("API")

    class Triage(models.TextChoices):
        PENDING = "pending", _("to be triaged")
        SMALL = "small", _("small matter: case")
        HARD = "hard", _("hard matter: deliberation")
        BIG = "big", _("big matter: project")
        DUPLICATE = "duplicate", _("merged as duplicate")
        OUTSIDE = "outside", _("outside the territory")

    number = models.CharField(_("number"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    external_ticket = models.CharField(_("external ticket number"), max_length=40, blank=True, db_index=True)
    reporter = models.ForeignKey(
        "territory.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demands",
        verbose_name=_("reporter"),
    )
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demands",
        verbose_name=_("reporter login"),
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    contact_phone = models.CharField(_("contact phone"), max_length=11, blank=True)
    contact_name = models.CharField(
        _("contact name"), max_length=64, blank=True, help_text=_("As given by a caller or visitor.")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    text = models.TextField(_("description"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    lng = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    input_system = models.CharField(_("coordinate system given"), max_length=8, blank=True)
    input_lng = models.FloatField(null=True, blank=True)
    input_lat = models.FloatField(null=True, blank=True)
    region = models.ForeignKey(
        "territory.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demands",
        verbose_name=_("region"),
    )
    grid = models.ForeignKey(
        "territory.Grid",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demands",
        verbose_name=_("grid"),
    )
    category = models.ForeignKey(
        "demands.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demands",
        verbose_name=_("category"),
    )
    suggested_category = models.ForeignKey(
        "demands.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested category"),
    )
    triage = models.CharField(_("triage"), max_length=16, choices=Triage.choices, default=Triage.PENDING)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    repeat_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name=_("repeat of"),
    )
    me_too_count = models.PositiveIntegerField(_("me too"), default=0)
    received_at = models.DateTimeField(_("received at"), db_index=True)

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["region", "received_at"]),
            models.Index(fields=["category", "triage", "received_at"]),
            models.Index(fields=["reporter", "received_at"]),
            # The map's box (and any lat/lng range): received_at too, so that the public map
            # sorts a box's points newest first from the index alone (demands.public.map_points).
            models.Index(fields=["lat", "lng", "received_at"], include=["id"], name="demand_map_box"),
            # Duplicates (same class, a box around the point) and repeats (same class, a window).
            models.Index(fields=["category", "lat", "lng"], name="demand_category_point"),
            models.Index(fields=["category", "received_at"], name="demand_category_received"),
            # Indicators (重复诉求率): a region subtree's demands in a period, from the index alone.
            models.Index(fields=["region", "received_at", "repeat_of"], name="demand_region_received_repeat"),
        ]

    def __str__(self) -> str:
        return self.number


def _photo_path(kind: str):
    def path(instance, filename: str) -> str:
        return f"demands/{kind}/{instance.created_at:%Y/%m}/{instance.token}.jpg"

    return path


class Photo(TimeStampedModel):
    """A photo of a demand. The original stays private; the public copy has no EXIF and can be
    redacted (faces, licence plates) by staff before it is shown to anyone else."""

    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="photos", verbose_name=_("demand")
    )
    token = models.CharField(max_length=32, unique=True)
    original = models.FileField(_("original"), upload_to="demands/private/")
    public = models.FileField(_("public copy"), upload_to="demands/public/", blank=True)
    thumbnail = models.FileField(_("thumbnail"), upload_to="demands/thumbs/", blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    redacted = models.BooleanField(_("redacted"), default=False)
    is_public = models.BooleanField(_("shown publicly"), default=False)
    stage = models.CharField(
        _("stage"),
        max_length=16,
        default="report",
        help_text=_("report: sent with the demand; evidence: sent by the handler with the feedback."),
    )

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["demand", "position"]

    def __str__(self) -> str:
        return f"{self.demand} #{self.position}"


class Follow(models.Model):
    """A resident following a demand ("me too" adds a follow and a +1)."""

    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="follows", verbose_name=_("demand")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows", verbose_name=_("user")
    )
    me_too = models.BooleanField(_("me too"), default=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [models.UniqueConstraint(fields=["demand", "user"], name="follow_once")]

    def __str__(self) -> str:
        return f"{self.user} → {self.demand}"
