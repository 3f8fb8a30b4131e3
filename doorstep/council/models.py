"""Owners' votes (业主共同决定, Civil Code arts. 278–280).

A Vote is held over a compound, one building, or one stairwell unit (单元) of a building. When it
opens, its electorate is copied into VoteUnit rows — every exclusive unit in scope with its area
and the key of its owner — so that later sales and corrections do not change a running vote.
Ballots are one per owner (the headcount's person) per vote; every status change and every
ballot cast, changed or entered is a VoteEvent row, the record kept for a court challenge.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import StatusEvent, TimeStampedModel

from .tally import MATTERS


class Vote(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open for voting")
        CLOSED = "closed", _("closed, counted")
        ANNOUNCED = "announced", _("result announced")

    class Matter(models.TextChoices):
        RULES = "1", _("1. adopt or amend the owners' assembly rules")
        COVENANT = "2", _("2. adopt or amend the management covenant")
        COMMITTEE = "3", _("3. elect or replace the owners' committee")
        MANAGER = "4", _("4. hire or dismiss the property manager")
        USE_FUNDS = "5", _("5. use the maintenance funds")
        RAISE_FUNDS = "6", _("6. raise maintenance funds")
        REBUILD = "7", _("7. rebuild or renovate the buildings and facilities")
        CHANGE_USE = "8", _("8. change the use of common parts or run business on them")
        OTHER = "9", _("9. other major matters of common ownership")
        BUSINESS_USE = "279", _("art. 279: turn a dwelling into business premises")

    class Template(models.TextChoices):
        PLAIN = "", _("plain vote")
        ELEVATOR = "elevator", _("elevator retrofit")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    matter = models.CharField(_("matter"), max_length=3, choices=Matter.choices)
    template = models.CharField(
        _("template"), max_length=16, choices=Template.choices, blank=True, default=""
    )
    # Scope: the compound always; a building narrows it; a stairwell unit narrows it further.
    compound = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="votes", verbose_name=_("compound")
    )
    building = models.ForeignKey(
        "territory.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="votes",
        verbose_name=_("building"),
    )
    stairwell_unit = models.PositiveSmallIntegerField(_("stairwell unit"), null=True, blank=True)
    # Rules of this vote.
    changeable_ballots = models.BooleanField(_("ballots may be changed until closing"), default=True)
    follow_majority = models.BooleanField(_("count non-voters with the majority (从众)"), default=False)
    follow_majority_clause = models.TextField(
        _("clause allowing it"),
        blank=True,
        help_text=_("The article of the assembly rules or covenant that allows counting non-voters."),
    )
    # Owners whose exclusive part the work would occupy: each must agree individually.
    consent_required_of = models.ManyToManyField(
        "territory.Dwelling",
        blank=True,
        related_name="+",
        verbose_name=_("individual consent required of"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("planned closing"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True, editable=False)
    passed = models.BooleanField(_("passed"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("owners' vote")
        verbose_name_plural = _("owners' votes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["compound", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(matter__in=list(MATTERS)), name="vote_matter_known"),
            models.CheckConstraint(
                condition=Q(stairwell_unit__isnull=True) | Q(building__isnull=False),
                name="vote_stairwell_in_building",
            ),
            models.CheckConstraint(
                condition=Q(follow_majority=False) | ~Q(follow_majority_clause=""),
                name="vote_follow_majority_has_clause",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def scope_label(self) -> str:
        if self.building_id is None:
            return str(self.compound)
        label = f"{self.compound} {self.building.number}"
        if self.stairwell_unit:
            label += _(" unit %(n)d") % {"n": self.stairwell_unit}
        return label


class VoteEvent(StatusEvent):
    """One row per transition or ballot: who, when, from, to, what."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="events", verbose_name=_("vote"))
    owner_key = models.CharField(_("owner"), max_length=64, blank=True)
    choice = models.CharField(_("choice"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("vote event")
        verbose_name_plural = _("vote events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["vote", "at"])]

    def __str__(self) -> str:
        return f"{self.vote_id} {self.action}"


class VoteUnit(models.Model):
    """The electorate, snapshotted when the vote opens: one row per exclusive unit in scope."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="units", verbose_name=_("vote"))
    dwelling = models.ForeignKey(
        "territory.Dwelling",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("dwelling"),
    )
    label = models.CharField(_("unit"), max_length=64)
    area = models.DecimalField(_("exclusive area (m²)"), max_digits=10, decimal_places=2)
    # The headcount's person: one key per owner (co-owners share one; the developer's unsold
    # units all share "developer").
    owner_key = models.CharField(_("owner"), max_length=64)
    owner_label = models.CharField(_("owner name"), max_length=200, blank=True)
    developer_unsold = models.BooleanField(_("developer's unsold unit"), default=False)
    consent_required = models.BooleanField(_("individual consent required"), default=False)

    class Meta:
        verbose_name = _("electorate unit")
        verbose_name_plural = _("electorate units")
        ordering = ["vote", "label"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "dwelling"], name="voteunit_once"),
            models.CheckConstraint(condition=Q(area__gt=0), name="voteunit_area_positive"),
        ]
        indexes = [models.Index(fields=["vote", "owner_key"])]

    def __str__(self) -> str:
        return self.label


class VoteVoter(models.Model):
    """A login that may vote online for an owner of the electorate (snapshotted at opening)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="voters", verbose_name=_("vote"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("login")
    )
    owner_key = models.CharField(_("owner"), max_length=64)

    class Meta:
        verbose_name = _("online voter")
        verbose_name_plural = _("online voters")
        constraints = [models.UniqueConstraint(fields=["vote", "user", "owner_key"], name="votevoter_once")]

    def __str__(self) -> str:
        return f"{self.vote_id} {self.user_id} {self.owner_key}"


class Ballot(TimeStampedModel):
    """An owner's one ballot in a vote (covering all their units in scope)."""

    class Choice(models.TextChoices):
        YES = "yes", _("agree")
        NO = "no", _("disagree")
        ABSTAIN = "abstain", _("abstain")

    class Origin(models.TextChoices):
        ONLINE = "online", _("online, by the owner")
        PAPER = "paper", _("paper ballot signed by the owner")
        ON_SITE = "on_site", _("on site")
        PROXY = "proxy", _("by written proxy")

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots", verbose_name=_("vote"))
    owner_key = models.CharField(_("owner"), max_length=64)
    choice = models.CharField(_("choice"), max_length=8, choices=Choice.choices)
    origin = models.CharField(_("origin"), max_length=8, choices=Origin.choices)
    sheet_ref = models.CharField(_("signed sheet reference"), max_length=64, blank=True)
    proxy_ref = models.CharField(_("proxy document reference"), max_length=64, blank=True)
    proxy_name = models.CharField(_("proxy holder"), max_length=64, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entered by"),
    )
    changes = models.PositiveIntegerField(_("changes"), default=0)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(fields=["vote", "owner_key"], name="ballot_one_per_owner"),
            models.CheckConstraint(
                condition=~Q(origin="paper") | ~Q(sheet_ref=""), name="ballot_paper_has_sheet"
            ),
            models.CheckConstraint(
                condition=~Q(origin="proxy") | ~Q(proxy_ref=""), name="ballot_proxy_has_document"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vote_id} {self.owner_key}: {self.choice}"


# Topics (议题) and meetings live in their own modules; imported here so Django finds them.
from .meeting_models import Meeting, MeetingAttendee, MeetingDecision, MeetingEvent  # noqa: E402, F401
from .topic_models import Topic, TopicEvent, TopicPost, TopicSupport  # noqa: E402, F401
