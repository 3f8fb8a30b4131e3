from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStampedModel
from doorstep.core.pii import EncryptedTextField, lookup_hash, mask_id_number, mask_name, mask_phone


class PersonTag(models.Model):
    """A label on a person: rider, courier, elderly living alone, volunteer …"""

    slug = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=32)

    class Meta:
        verbose_name = _("person tag")
        verbose_name_plural = _("person tags")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class Person(TimeStampedModel):
    """A resident, owner, worker or member. Personal data: see PIPL rules in DESIGN.md.

    The ID number is encrypted at rest and found through `id_number_hash`; read it only through
    a service that logs the access. `anonymised_at` marks a person erased at their request.
    """

    class Gender(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")
        UNKNOWN = "", _("unknown")

    name = models.CharField(_("name"), max_length=64)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True, db_index=True)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    home_region = models.ForeignKey(
        "territory.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("community or compound of residence"),
    )
    tags = models.ManyToManyField(PersonTag, blank=True, related_name="people", verbose_name=_("tags"))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("login"),
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return mask_name(self.name)

    def save(self, *args, **kwargs):
        self.refresh_lookup()
        super().save(*args, **kwargs)

    def refresh_lookup(self) -> None:
        """Keep the keyed hash in step with the ID number (call before bulk_create)."""
        self.id_number_hash = lookup_hash(self.id_number) if self.id_number else ""

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class PartyMembership(TimeStampedModel):
    """A person's party membership and where they report to (双报到)."""

    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("in service")
        RETIRED = "retired", _("retired")
        FLOATING = "floating", _("floating")

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="party_membership", verbose_name=_("person")
    )
    organization = models.ForeignKey(
        "territory.Organization",
        on_delete=models.PROTECT,
        related_name="party_members",
        verbose_name=_("party organisation"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_SERVICE)
    reports_to = models.ForeignKey(
        "territory.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_members",
        verbose_name=_("community reported to"),
    )
    reported_on = models.DateField(_("reported on"), null=True, blank=True)
    joined_on = models.DateField(_("joined the party on"), null=True, blank=True)

    class Meta:
        verbose_name = _("party membership")
        verbose_name_plural = _("party memberships")

    def __str__(self) -> str:
        return f"{self.person} · {self.organization}"


class Role(TimeStampedModel):
    """A staff power held over a region; its scope is that region's subtree.

    A department liaison's role also names the department (they see the department's own cases);
    property staff name their company; a grid worker may name their grid.
    """

    class Kind(models.TextChoices):
        GRID_WORKER = "grid_worker", _("grid worker")
        COMMUNITY_STAFF = "community_staff", _("community staff")
        SUBDISTRICT_STAFF = "subdistrict_staff", _("subdistrict staff")
        DEPARTMENT_LIAISON = "department_liaison", _("department liaison")
        PROPERTY_STAFF = "property_staff", _("property staff")
        COMMITTEE_MEMBER = "committee_member", _("owners' committee member")
        LEADER = "leader", _("leader")
        ADMIN = "admin", _("administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles", verbose_name=_("user")
    )
    kind = models.CharField(_("role"), max_length=24, choices=Kind.choices)
    region = models.ForeignKey(
        "territory.Region", on_delete=models.CASCADE, related_name="roles", verbose_name=_("region")
    )
    organization = models.ForeignKey(
        "territory.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("department or company"),
    )
    grid = models.ForeignKey(
        "territory.Grid",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("grid"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "region"], name="role_once_per_region")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.region}"
