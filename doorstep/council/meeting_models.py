"""Meetings (会议): the compound's five-party joint meeting (红色物业联席会议, its five seats taken
from the compound's joint body), parlour meetings (党群会客厅) and owners' assemblies.

A Meeting has an agenda (free text and the topics it takes up), moves planned → notified → held
→ minuted (or cancelled, with a reason) through `council.meetings.TABLE`, each move a
MeetingEvent row. MeetingAttendee rows are the seats and people expected and who signed in;
MeetingDecision rows are what was decided, each on a topic where there is one.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import StatusEvent, TimeStampedModel


class Meeting(TimeStampedModel):
    class Kind(models.TextChoices):
        JOINT = "joint", _("five-party joint meeting")
        PARLOUR = "parlour", _("parlour meeting")
        ASSEMBLY = "assembly", _("owners' assembly")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        NOTIFIED = "notified", _("notice sent")
        HELD = "held", _("held")
        MINUTED = "minuted", _("minutes recorded")
        CANCELLED = "cancelled", _("cancelled")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    region = models.ForeignKey(
        "territory.Region",
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("compound or community"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    venue = models.CharField(_("venue"), max_length=200)
    place = models.ForeignKey(
        "resources.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("venue place"),
        help_text=_("A parlour or discussion corner of the compound, its community or county."),
    )
    agenda = models.TextField(_("agenda"), blank=True)
    topics = models.ManyToManyField(
        "council.Topic", blank=True, related_name="meetings", verbose_name=_("topics on the agenda")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    minutes = models.TextField(_("minutes"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("convened by")
    )

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["region", "starts_at"]),
            models.Index(fields=["place", "starts_at"], name="meeting_place_starts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="minuted") | ~Q(minutes=""), name="meeting_minuted_has_minutes"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""), name="meeting_cancelled_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MeetingEvent(StatusEvent):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="events", verbose_name=_("meeting")
    )

    class Meta:
        verbose_name = _("meeting event")
        verbose_name_plural = _("meeting events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.action}"


class MeetingAttendee(models.Model):
    """A seat or person expected at the meeting (or who came unexpected), and their sign-in."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendees", verbose_name=_("meeting")
    )
    seat = models.CharField(_("seat"), max_length=24, blank=True)
    organization = models.ForeignKey(
        "territory.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        "territory.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A resident who signed themselves in on their phone (one row per login and meeting).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    label = models.CharField(_("attendee"), max_length=200)
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    signed_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "seat"], condition=~Q(seat=""), name="meetingattendee_seat_once"
            ),
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=Q(person__isnull=False),
                name="meetingattendee_person_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="meetingattendee_user_once",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class MeetingDecision(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("meeting")
    )
    topic = models.ForeignKey(
        "council.Topic", on_delete=models.PROTECT, null=True, blank=True, related_name="meeting_decisions"
    )
    text = models.TextField(_("decision"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")
        ordering = ["meeting", "at", "id"]

    def __str__(self) -> str:
        return self.text[:40]
