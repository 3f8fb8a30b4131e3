"""Micro-wishes (微心愿): a resident's small wish (often a child's) that a volunteer, team or
co-building unit fulfils.

The beneficiary's identity is sensitive personal information (PIPL art. 28: any information of
a minor under 14), so it is kept apart from what others see:

* `beneficiary_name`, `guardian_name`, `guardian_phone` and `address` are encrypted at rest and
  shown masked to the staff of the wish's community; unmasking one is logged (core.PiiAccess);
* the public wall and the JSON API show only `public_text` (written by staff at review), the
  category, the beneficiary group and age band and the compound or community — never a name,
  a phone or an address;
* the claimer sees the public text plus the delivery details staff chose to give
  (`delivery_place`, `delivery_contact`, `delivery_phone`);
* evidence photos are never public: only the wish's staff and the claimer open them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import StatusEvent, TimeStampedModel
from doorstep.core.pii import EncryptedTextField, mask_name, mask_phone


class Wish(TimeStampedModel):
    class Status(models.TextChoices):
        POSTED = "posted", _("awaiting review")
        REVIEWED = "reviewed", _("reviewed")
        PUBLISHED = "published", _("on the wish wall")
        CLAIMED = "claimed", _("claimed by a volunteer")
        FULFILLED = "fulfilled", _("fulfilled")
        THANKED = "thanked", _("thanked")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Category(models.TextChoices):
        STUDY = "study", _("study supplies")
        BOOKS = "books", _("books")
        DAILY = "daily", _("daily necessities")
        CLOTHING = "clothing", _("clothing")
        TOYS = "toys", _("toys and sports")
        COMPANY = "company", _("company and activities")
        OTHER = "other", _("other wish")

    class Group(models.TextChoices):
        CHILD = "child", _("child")
        PUPIL = "pupil", _("primary-school pupil")
        STUDENT = "student", _("secondary-school student")
        ELDERLY = "elderly", _("elderly resident")
        DISABLED = "disabled", _("resident with a disability")
        FAMILY = "family", _("family in need")
        OTHER = "other", _("resident")

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.POSTED, db_index=True
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    community = models.ForeignKey(
        "territory.Region",
        on_delete=models.PROTECT,
        related_name="wishes",
        verbose_name=_("community"),
    )
    compound = models.ForeignKey(
        "territory.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="compound_wishes",
        verbose_name=_("compound"),
    )
    wish_text = models.TextField(
        _("the wish as posted"), help_text=_("Seen by the community's staff only; may name people.")
    )
    public_text = models.CharField(
        _("public text"),
        max_length=200,
        blank=True,
        help_text=_("Written by staff at review: no names, no address, nothing that identifies anyone."),
    )
    # The beneficiary (sensitive: encrypted, masked, reveals logged).
    group = models.CharField(_("beneficiary group"), max_length=12, choices=Group.choices)
    beneficiary_name = EncryptedTextField(_("beneficiary's name"))
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    is_minor = models.BooleanField(_("minor"), default=False)
    guardian_name = EncryptedTextField(_("guardian's name"), blank=True)
    guardian_phone = EncryptedTextField(_("guardian's phone"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    for_self = models.BooleanField(_("posted by the beneficiary"), default=False)
    # What the claimer is given to deliver (chosen by staff at review).
    delivery_place = models.CharField(_("where to deliver"), max_length=100, blank=True)
    delivery_contact = models.CharField(_("delivery contact"), max_length=32, blank=True)
    delivery_phone = models.CharField(_("delivery contact's phone"), max_length=20, blank=True)
    # Who posted and who claimed.
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="posted_wishes",
        verbose_name=_("posted by"),
    )
    claimer = models.ForeignKey(
        "territory.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claimed_wishes",
        verbose_name=_("claimed by"),
    )
    claimer_team = models.ForeignKey(
        "resources.VolunteerTeam",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wishes",
        verbose_name=_("for the team"),
    )
    claimer_org = models.ForeignKey(
        "territory.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wishes",
        verbose_name=_("for the unit"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    evidence_note = models.TextField(_("how it was fulfilled"), blank=True)
    evidence_photo = models.FileField(_("evidence photo"), upload_to="resources/wishes/", blank=True)
    hours = models.DecimalField(_("service hours"), max_digits=6, decimal_places=2, default=0)
    thanks_text = models.CharField(_("thanks"), max_length=200, blank=True)
    thanked_at = models.DateTimeField(_("thanked at"), null=True, blank=True)
    reject_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("micro-wish")
        verbose_name_plural = _("micro-wishes")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "status"], name="wish_community_status"),
            models.Index(fields=["status", "published_at"], name="wish_status_published"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.public_text or self.get_category_display()}"

    @property
    def masked_beneficiary(self) -> str:
        return mask_name(self.beneficiary_name)

    @property
    def masked_guardian(self) -> str:
        return mask_name(self.guardian_name)

    @property
    def masked_guardian_phone(self) -> str:
        return mask_phone(self.guardian_phone)

    @property
    def masked_address(self) -> str:
        return "****" if self.address else ""

    @property
    def masked_wish_text(self) -> str:
        """The wish as posted with the names, phone and address in it masked (for staff lists)."""
        text = self.wish_text
        for value, masked in (
            (self.beneficiary_name, self.masked_beneficiary),
            (self.guardian_name, self.masked_guardian),
            (self.guardian_phone, self.masked_guardian_phone),
            (self.address, self.masked_address),
        ):
            if value:
                text = text.replace(value, masked)
        if self.beneficiary_name and len(self.beneficiary_name) >= 3:
            text = text.replace(self.beneficiary_name[1:], "*" * (len(self.beneficiary_name) - 1))
        return text

    @property
    def place_label(self) -> str:
        """Where the wish is, publicly: the compound at most."""
        return self.compound.name if self.compound_id else self.community.name

    @property
    def claimer_label(self) -> str:
        """Who claimed, for others to see: the team or unit, else the masked person."""
        if self.claimer_team_id:
            return self.claimer_team.name
        if self.claimer_org_id:
            return self.claimer_org.name
        return self.claimer.masked_name if self.claimer_id else ""


class WishEvent(StatusEvent):
    """One row per move of a wish: who, when, from, to, why."""

    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="events", verbose_name=_("wish"))

    class Meta:
        verbose_name = _("wish event")
        verbose_name_plural = _("wish events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["action", "at"], name="wish_event_action_at")]

    def __str__(self) -> str:
        return f"{self.wish_id} {self.action}"
