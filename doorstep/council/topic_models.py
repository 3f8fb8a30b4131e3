"""Topics (议题): a hard matter the people it concerns talk over, meet on, vote on and decide.

A Topic comes from a demand triaged as a hard matter (难事) or is raised by a resident, staff or
an observer. Its scope is a community, a compound, one building or one stairwell unit (单元) of
a building. It moves through the stages of `council.topics.TABLE`; each move is a TopicEvent
row. The discussion is TopicPost rows (staff may hide one, with a reason shown in its place);
TopicSupport rows are the +1s, one per person, counted into `support_count`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStampedModel


class Topic(TimeStampedModel):
    class Stage(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        DISCUSSION = "discussion", _("under discussion")
        MEETING = "meeting", _("to a meeting")
        VOTE = "vote", _("owners' vote")
        DECIDED = "decided", _("decided")
        CARRYING_OUT = "carrying_out", _("being carried out")
        REPORTED_BACK = "reported_back", _("reported back")
        CLOSED = "closed", _("closed")

    class Origin(models.TextChoices):
        DEMAND = "demand", _("from a hard-matter demand")
        RESIDENT = "resident", _("raised by a resident")
        STAFF = "staff", _("raised by staff")
        OBSERVER = "observer", _("raised by an observer")

    class ScopeLevel(models.TextChoices):
        COMMUNITY = "community", _("community")
        COMPOUND = "compound", _("compound")
        BUILDING = "building", _("building")
        STAIRWELL = "stairwell", _("stairwell unit")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices)
    demand = models.OneToOneField(
        "demands.Demand",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="topic",
        verbose_name=_("demand"),
    )
    # Scope: `region` is the community (community scope) or the compound (the other three).
    scope_level = models.CharField(_("scope"), max_length=16, choices=ScopeLevel.choices)
    region = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="topics", verbose_name=_("region")
    )
    building = models.ForeignKey(
        "territory.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="topics",
        verbose_name=_("building"),
    )
    stairwell_unit = models.PositiveSmallIntegerField(_("stairwell unit"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.PROPOSED)
    stage_changed_at = models.DateTimeField(_("stage changed at"), null=True, blank=True)
    decision = models.TextField(_("decision"), blank=True)
    report = models.TextField(_("report back"), blank=True)
    close_reason = models.TextField(_("reason for closing"), blank=True)
    vote = models.ForeignKey(
        "council.Vote",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topics",
        verbose_name=_("owners' vote"),
    )
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    post_count = models.PositiveIntegerField(_("posts"), default=0)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("raised by"),
    )
    raised_by_name = models.CharField(_("raised by (name)"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region", "stage"]),
            models.Index(fields=["building", "stairwell_unit"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(stairwell_unit__isnull=True) | Q(building__isnull=False),
                name="topic_stairwell_in_building",
            ),
            models.CheckConstraint(
                condition=~Q(scope_level__in=["building", "stairwell"]) | Q(building__isnull=False),
                name="topic_building_scope_has_building",
            ),
            models.CheckConstraint(
                condition=~Q(scope_level="stairwell") | Q(stairwell_unit__isnull=False),
                name="topic_stairwell_scope_has_unit",
            ),
            models.CheckConstraint(
                condition=~Q(stage="closed") | ~Q(close_reason=""), name="topic_closed_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def number(self) -> str:
        return f"YT{self.pk:06d}"

    @property
    def scope_label(self) -> str:
        if self.building_id is None:
            return str(self.region)
        label = f"{self.region} {self.building.number}"
        if self.stairwell_unit:
            label += _(" unit %(n)d") % {"n": self.stairwell_unit}
        return label

    @property
    def is_open(self) -> bool:
        return self.stage not in (self.Stage.CLOSED, self.Stage.REPORTED_BACK)


class TopicEvent(models.Model):
    """One row per stage move (and per raising, linking a vote, hiding a post): who, when, from, to."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events", verbose_name=_("topic"))
    action = models.CharField(_("action"), max_length=24)
    from_stage = models.CharField(_("from"), max_length=16, blank=True)
    to_stage = models.CharField(_("to"), max_length=16, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("topic event")
        verbose_name_plural = _("topic events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["topic", "at"])]

    def __str__(self) -> str:
        return f"{self.topic_id} {self.action}"


class TopicPost(models.Model):
    """One post in a topic's discussion. Hidden posts keep their text for the record; everyone
    else sees the moderator's reason in its place."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts", verbose_name=_("topic"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    author_label = models.CharField(_("shown as"), max_length=64)
    is_staff_post = models.BooleanField(_("staff post"), default=False)
    text = models.TextField(_("text"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("topic post")
        verbose_name_plural = _("topic posts")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["topic", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""), name="topicpost_hidden_has_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic_id} #{self.pk}"


class TopicSupport(models.Model):
    """A +1: this person wants the topic taken up. One per person and topic."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="supports", verbose_name=_("topic")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [models.UniqueConstraint(fields=["topic", "user"], name="topicsupport_once")]

    def __str__(self) -> str:
        return f"{self.user_id} +1 {self.topic_id}"
