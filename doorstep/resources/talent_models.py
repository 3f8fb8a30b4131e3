"""Talent pool (人才库, 三师进社区), governance observers (观察员) and training (实训).

* An expert serves an area; communities ask for a consultation, which moves through one
  transition table (requested → accepted → visited → closed, or declined) with event rows; each
  visit is logged.
* An observer is appointed to a grid; a suggestion is filed into the demands intake on the
  observer channel and linked to its demand; staff mark it adopted into a livelihood project
  (民生实事) or not adopted with a reason.
* A training session trains people for a role; enrolment and attendance are rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import StatusEvent, TimeStampedModel
from doorstep.core.pii import mask_phone


class Expert(TimeStampedModel):
    class Kind(models.TextChoices):
        PLANNER = "planner", _("planner")
        ARCHITECT = "architect", _("architect")
        ENGINEER = "engineer", _("engineer")
        LAWYER = "lawyer", _("lawyer")
        COUNSELLOR = "counsellor", _("counsellor")
        EMERGENCY = "emergency", _("emergency management")
        MARKET = "market", _("market regulation")

    person = models.ForeignKey(
        "territory.Person", on_delete=models.PROTECT, related_name="expert_profiles", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    organization = models.CharField(_("organisation"), max_length=128, blank=True)
    specialities = models.CharField(_("specialities"), max_length=200, blank=True)
    region = models.ForeignKey(
        "territory.Region",
        on_delete=models.PROTECT,
        related_name="experts",
        verbose_name=_("area served"),
    )
    phone = models.CharField(_("contact phone"), max_length=11, blank=True)
    joined_on = models.DateField(_("in the pool since"))
    left_on = models.DateField(_("left the pool on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["kind", "person__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"], condition=Q(left_on__isnull=True), name="expert_once_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_kind_display()}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class ConsultationRequest(TimeStampedModel):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        ACCEPTED = "accepted", _("accepted by the expert")
        VISITED = "visited", _("visited by the expert")
        CLOSED = "closed", _("consultation closed")
        DECLINED = "declined", _("declined")

    expert = models.ForeignKey(
        Expert, on_delete=models.PROTECT, related_name="requests", verbose_name=_("expert")
    )
    region = models.ForeignKey(
        "territory.Region",
        on_delete=models.PROTECT,
        related_name="consultation_requests",
        verbose_name=_("community"),
    )
    topic = models.CharField(_("topic"), max_length=200)
    detail = models.TextField(_("details"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("consultation request")
        verbose_name_plural = _("consultation requests")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.topic


class ConsultationEvent(StatusEvent):
    request = models.ForeignKey(
        ConsultationRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("request")
    )

    class Meta:
        verbose_name = _("consultation event")
        verbose_name_plural = _("consultation events")
        ordering = ["at", "id"]


class ExpertVisit(models.Model):
    request = models.ForeignKey(
        ConsultationRequest, on_delete=models.CASCADE, related_name="visits", verbose_name=_("request")
    )
    visited_on = models.DateField(_("visited on"))
    notes = models.TextField(_("notes"))
    outcome = models.CharField(_("outcome"), max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("logged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("expert visit")
        verbose_name_plural = _("expert visits")
        ordering = ["visited_on", "pk"]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.outcome}"


class Observer(TimeStampedModel):
    person = models.ForeignKey(
        "territory.Person", on_delete=models.PROTECT, related_name="observer_posts", verbose_name=_("person")
    )
    grid = models.ForeignKey(
        "territory.Grid", on_delete=models.PROTECT, related_name="observers", verbose_name=_("grid")
    )
    region = models.ForeignKey(
        "territory.Region",
        on_delete=models.PROTECT,
        related_name="observers",
        verbose_name=_("community"),
        help_text=_("The grid's community (staff scope follows it)."),
    )
    appointed_on = models.DateField(_("appointed on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("observer")
        verbose_name_plural = _("observers")
        ordering = ["grid", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "grid"], condition=Q(ended_on__isnull=True), name="observer_once_per_grid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.grid}"


class Suggestion(TimeStampedModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("suggestion submitted")
        FILED = "filed", _("filed as a demand")
        ADOPTED = "adopted", _("adopted")
        NOT_ADOPTED = "not_adopted", _("not adopted")

    observer = models.ForeignKey(
        Observer, on_delete=models.PROTECT, related_name="suggestions", verbose_name=_("observer")
    )
    region = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    text = models.TextField(_("suggestion"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    demand = models.OneToOneField(
        "demands.Demand",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="observer_suggestion",
        verbose_name=_("demand"),
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="observer_suggestions",
        verbose_name=_("livelihood project"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("observer suggestion")
        verbose_name_plural = _("observer suggestions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["region", "status"], name="suggestion_region_status")]

    def __str__(self) -> str:
        return self.text[:40]


class SuggestionEvent(StatusEvent):
    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.CASCADE, related_name="events", verbose_name=_("observer suggestion")
    )

    class Meta:
        verbose_name = _("suggestion event")
        verbose_name_plural = _("suggestion events")
        ordering = ["at", "id"]


class TrainingSession(TimeStampedModel):
    class Role(models.TextChoices):
        GRID_WORKER = "grid_worker", _("grid worker")
        CONVENER = "convener", _("convener")
        OBSERVER = "observer", _("observer")
        VOLUNTEER = "volunteer", _("volunteer")
        PARTY_MEMBER = "party_member", _("party member")
        COMMUNITY_STAFF = "community_staff", _("community staff")

    topic = models.CharField(_("topic"), max_length=200)
    role = models.CharField(_("role trained for"), max_length=16, choices=Role.choices)
    region = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="training_sessions", verbose_name=_("area")
    )
    starts_at = models.DateTimeField(_("starts at"))
    place = models.ForeignKey(
        "resources.Place",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_sessions",
        verbose_name=_("service place"),
    )
    place_text = models.CharField(_("place"), max_length=100, blank=True)
    trainer = models.CharField(_("trainer"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at", "-pk"]

    def __str__(self) -> str:
        return self.topic

    @property
    def where(self) -> str:
        return self.place.name if self.place_id else self.place_text


class TrainingEnrolment(models.Model):
    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name=_("training session"),
    )
    person = models.ForeignKey(
        "territory.Person", on_delete=models.PROTECT, related_name="trainings", verbose_name=_("person")
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("training enrolment")
        verbose_name_plural = _("training enrolments")
        ordering = ["session", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="training_enrol_once")]

    def __str__(self) -> str:
        return f"{self.person} · {self.session}"
