from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStampedModel


class Case(TimeStampedModel):
    """A small matter taken on: the closed loop from acceptance to the resident's rating.

    `status` changes only through `demands.workflow.transition`, which checks the transition
    table, bumps `version` (two people acting at once: the second gets a conflict) and writes a
    CaseEvent.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted")
        NOT_ACCEPTED = "not_accepted", _("not accepted")
        DISPATCHED = "dispatched", _("dispatched")
        HANDLING = "handling", _("handling")
        WHISTLED = "whistled", _("whistle blown")
        RETURNED = "returned", _("returned")
        FEEDBACK = "feedback", _("feedback given")
        CLOSED = "closed", _("closed")
        RATED = "rated", _("rated")
        MERGED = "merged", _("merged as duplicate")

    OPEN = (
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.DISPATCHED,
        Status.HANDLING,
        Status.WHISTLED,
        Status.RETURNED,
        Status.FEEDBACK,
    )

    demand = models.OneToOneField(
        "demands.Demand", on_delete=models.CASCADE, related_name="case", verbose_name=_("demand")
    )
    number = models.CharField(_("case number"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    version = models.PositiveIntegerField(default=0)
    category = models.ForeignKey(
        "demands.Category", on_delete=models.PROTECT, related_name="cases", verbose_name=_("category")
    )
    region = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="cases", verbose_name=_("region")
    )
    grid = models.ForeignKey(
        "territory.Grid",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("grid"),
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    level = models.CharField(_("responsible level"), max_length=16, default="community")
    unit = models.ForeignKey(
        "territory.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("handling unit"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
    )
    escalation = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    accept_due = models.DateTimeField(_("accept by"), null=True, blank=True)
    respond_due = models.DateTimeField(_("respond by"), null=True, blank=True)
    handle_due = models.DateTimeField(_("handle by"), null=True, blank=True, db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    feedback_at = models.DateTimeField(_("feedback at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # The next reminder of the current deadline ("due soon", then "overdue"); None: none pending.
    remind_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["status", "handle_due"]),
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["region", "received_at"]),
            # Indicators (demands.indicators): a region subtree's deadlines in a period, with what
            # the rates read, from the index alone (响应率, 按期结案率).
            models.Index(
                fields=["region", "respond_due", "status", "responded_at"], name="case_region_respond"
            ),
            models.Index(fields=["region", "handle_due", "status", "closed_at"], name="case_region_handle"),
        ]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One transition of a case: the audit trail, the timeline and the source of notifications."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=24, db_index=True)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(_("shown to the resident"), default=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "at", "pk"]
        indexes = [
            models.Index(fields=["case", "action"]),
            # Indicators: a period's first dispatches / closings city-wide (回退率, 重办率), and a
            # case's first one of them.
            models.Index(fields=["action", "at", "case"], name="caseevent_action_at"),
            models.Index(fields=["case", "action", "at"], name="caseevent_case_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.action} {self.at:%Y-%m-%d %H:%M}"


class WhistlePart(TimeStampedModel):
    """One department summoned by a whistle (吹哨): it must report in, then finish its part."""

    class Status(models.TextChoices):
        SUMMONED = "summoned", _("summoned")
        REPORTED = "reported", _("reported in")
        DONE = "done", _("done")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="whistle_parts", verbose_name=_("case")
    )
    department = models.ForeignKey(
        "territory.Organization",
        on_delete=models.PROTECT,
        related_name="whistle_parts",
        verbose_name=_("department"),
    )
    task = models.CharField(_("its part"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUMMONED)
    report_in_due = models.DateTimeField(_("report in by"))
    reported_at = models.DateTimeField(_("reported in at"), null=True, blank=True)
    done_due = models.DateTimeField(_("finish by"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    # When the department and the whistler were told the report-in time had passed (once).
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("whistle part")
        verbose_name_plural = _("whistle parts")
        constraints = [models.UniqueConstraint(fields=["case", "department"], name="whistle_part_once")]

    def __str__(self) -> str:
        return f"{self.case} · {self.department}"


class Postponement(TimeStampedModel):
    """A request for more time (延期) and its decision."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        APPROVED = "approved", _("approved")
        DENIED = "denied", _("denied")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="postponements", verbose_name=_("case")
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    working_days = models.PositiveSmallIntegerField(_("extra working days"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    new_due = models.DateTimeField(_("new deadline"), null=True, blank=True)

    class Meta:
        verbose_name = _("postponement")
        verbose_name_plural = _("postponements")

    def __str__(self) -> str:
        return f"{self.case} +{self.working_days}"


class Rating(models.Model):
    """The resident's verdict at the return visit (回访): score, solved or not, comment."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("case"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("score (1–5)"))
    solved = models.BooleanField(_("solved"))
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="rating_score_range"),
        ]
        indexes = [
            # Indicators (解决率, 满意率): a period's ratings city-wide, a case's last one.
            models.Index(fields=["at", "case", "score", "solved"], name="rating_at"),
            models.Index(fields=["case", "at", "score", "solved"], name="rating_case_at"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.score}"
