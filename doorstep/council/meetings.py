"""Every write of a meeting: convene it (a joint meeting gets the compound's five seats), send
the notice to those concerned, sign people in, hold it, record minutes and decisions (a decision
on a topic decides the topic), cancel it with a reason.

Statuses move through one table; each move locks the meeting row, checks it and who acts, writes
the new status and one MeetingEvent row.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.core.notify import notify_many
from doorstep.territory.models import JointBodySeat, Organization, Region

from . import topics as topic_services
from .meeting_models import Meeting, MeetingAttendee, MeetingDecision, MeetingEvent
from .topic_models import Topic, TopicSupport
from .topics import Transition

S = Meeting.Status
MANAGERS = topic_services.MANAGERS
FIVE_SEATS = [s for s, _label in JointBodySeat.Seat.choices]


class MeetingError(ValidationError):
    """A meeting action refused; the message says why, in the user's language."""


TABLE: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("notify", frozenset({S.PLANNED}), S.NOTIFIED, gettext_lazy("Send the notice")),
        Transition("hold", frozenset({S.NOTIFIED}), S.HELD, gettext_lazy("Mark as held")),
        Transition(
            "minute",
            frozenset({S.HELD}),
            S.MINUTED,
            gettext_lazy("Record the minutes"),
            needs_note=gettext_lazy("The minutes"),
        ),
        Transition(
            "cancel",
            frozenset({S.PLANNED, S.NOTIFIED}),
            S.CANCELLED,
            gettext_lazy("Cancel the meeting"),
            needs_note=gettext_lazy("Why is it cancelled?"),
        ),
    ]
}

ACTION_LABELS = {
    "convene": gettext_lazy("Convened"),
    "notify": gettext_lazy("Notice sent"),
    "hold": gettext_lazy("Held"),
    "minute": gettext_lazy("Minutes recorded"),
    "cancel": gettext_lazy("Cancelled"),
    "sign_in": gettext_lazy("Signed in"),
    "decide": gettext_lazy("Decision recorded"),
}


def can_manage(user, region_id: int) -> bool:
    return topic_services.may_manage_region(user, region_id)


def _require_manager(user, region_id: int):
    if not can_manage(user, region_id):
        raise MeetingError(_("You may not manage meetings here."), code="forbidden")


def allowed(meeting: Meeting, user) -> list[Transition]:
    if not can_manage(user, meeting.region_id):
        return []
    return [t for t in TABLE.values() if meeting.status in t.sources]


def joint_body_seats(compound: Region) -> list[JointBodySeat]:
    body = Organization.objects.filter(region=compound, kind=Organization.Kind.JOINT_BODY).first()
    if body is None:
        return []
    return list(JointBodySeat.objects.filter(body=body).select_related("organization", "representative"))


def convene(
    *, by, kind: str, region: Region, title: str, starts_at, venue: str, agenda: str = "", topics=()
) -> Meeting:
    """Plan a meeting. A five-party joint meeting is held in a compound whose 红色物业 joint body
    has its five seats; each seat becomes an expected attendee."""
    _require_manager(by, region.pk)
    errors = []
    if kind not in Meeting.Kind.values:
        errors.append(_("Unknown kind of meeting."))
    if region.level not in (Region.Level.COMMUNITY, Region.Level.COMPOUND):
        errors.append(_("A meeting is held in a community or a compound."))
    if not (title or "").strip():
        errors.append(_("Please give the meeting a title."))
    if not (venue or "").strip():
        errors.append(_("Please say where the meeting is held."))
    if starts_at is None:
        errors.append(_("Please give the time of the meeting."))
    seats = []
    if kind == Meeting.Kind.JOINT:
        if region.level != Region.Level.COMPOUND:
            errors.append(_("A five-party joint meeting is held in a compound."))
        else:
            seats = joint_body_seats(region)
            filled = {s.seat for s in seats if s.organization_id or s.representative_id}
            missing = [str(JointBodySeat.Seat(s).label) for s in FIVE_SEATS if s not in filled]
            if missing:
                errors.append(
                    _("The compound's joint body lacks these seats: %(seats)s.")
                    % {"seats": "、".join(missing)}
                )
    topics = list(topics)
    outside = [t for t in topics if not _topic_in(t, region)]
    if outside:
        errors.append(
            _("Topics of another place: %(titles)s.") % {"titles": "、".join(t.title for t in outside)}
        )
    if errors:
        raise MeetingError(errors)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            kind=kind,
            region=region,
            title=title.strip(),
            starts_at=starts_at,
            venue=venue.strip(),
            agenda=(agenda or "").strip(),
            created_by=by,
        )
        meeting.topics.set(topics)
        MeetingAttendee.objects.bulk_create(
            [
                MeetingAttendee(
                    meeting=meeting,
                    seat=s.seat,
                    organization=s.organization,
                    person=s.representative,
                    label=f"{s.get_seat_display()} · {s.representative or s.organization}",
                )
                for s in seats
            ]
        )
        _event(meeting, "convene", by, to_status=meeting.status)
    return meeting


def _topic_in(topic: Topic, region: Region) -> bool:
    return topic.region_id == region.pk or (
        region.level == Region.Level.COMMUNITY and topic.region.parent_id == region.pk
    )


def transition(meeting: Meeting, action: str, *, by, note: str = "") -> Meeting:
    rule = TABLE.get(action)
    if rule is None:
        raise MeetingError(_("Unknown action."), code="unknown")
    note = (note or "").strip()
    if rule.needs_note and not note:
        raise MeetingError(str(rule.needs_note), code="note")
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _require_manager(by, locked.region_id)
        if locked.status not in rule.sources:
            raise MeetingError(
                _("The meeting is “%(status)s”; it cannot move to “%(target)s” now.")
                % {"status": locked.get_status_display(), "target": S(rule.target).label},
                code="conflict",
            )
        source = locked.status
        if action == "minute":
            locked.minutes = note
        elif action == "cancel":
            locked.cancel_reason = note
        locked.status = rule.target
        locked.save()
        _event(locked, action, by, from_status=source, to_status=locked.status, note=note)
        if action in ("notify", "cancel"):
            _tell_concerned(locked, by, cancelled=action == "cancel")
    return locked


def concerned_users(meeting: Meeting) -> list:
    """Who is told: the seats' representatives with a login, and for each topic on the agenda its
    reporter and the people who supported it."""
    users = [
        a.person.user for a in meeting.attendees.select_related("person__user") if a.person and a.person.user
    ]
    topic_ids = list(meeting.topics.values_list("pk", flat=True))
    users += [s.user for s in TopicSupport.objects.filter(topic__in=topic_ids).select_related("user")]
    for t in Topic.objects.filter(pk__in=topic_ids).select_related("demand__reporter_user"):
        if t.demand_id and t.demand.reporter_user_id:
            users.append(t.demand.reporter_user)
    return users


def _tell_concerned(meeting: Meeting, by, *, cancelled: bool) -> None:
    when = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")
    if cancelled:
        text = _("Meeting “%(title)s” on %(when)s is cancelled: %(reason)s") % {
            "title": meeting.title,
            "when": when,
            "reason": meeting.cancel_reason,
        }
    else:
        text = _("Notice: %(kind)s “%(title)s”, %(when)s at %(venue)s.") % {
            "kind": meeting.get_kind_display(),
            "title": meeting.title,
            "when": when,
            "venue": meeting.venue,
        }
    notify_many(concerned_users(meeting), text, exclude=by, kind="meeting", url=reverse("council:topics"))


def sign_in(meeting: Meeting, *, by, attendee: MeetingAttendee | None = None, person=None, label: str = ""):
    """Staff sign in an expected attendee, or a person who came (added to the list)."""
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _require_manager(by, locked.region_id)
        if locked.status not in (S.NOTIFIED, S.HELD):
            raise MeetingError(
                _("Sign-in is open once the notice is sent, until the minutes."), code="closed"
            )
        if attendee is None:
            label = (label or (str(person) if person else "")).strip()
            if not label:
                raise MeetingError(_("Please give the name of who came."), code="name")
            try:
                with transaction.atomic():
                    attendee = MeetingAttendee.objects.create(
                        meeting=locked, person=person, label=label[:200]
                    )
            except IntegrityError:
                attendee = MeetingAttendee.objects.get(meeting=locked, person=person)
        attendee = MeetingAttendee.objects.select_for_update().get(pk=attendee.pk, meeting=locked)
        if attendee.signed_in_at is not None:
            raise MeetingError(_("%(who)s has signed in already.") % {"who": attendee.label}, code="twice")
        attendee.signed_in_at, attendee.signed_in_by = timezone.now(), by
        attendee.save(update_fields=["signed_in_at", "signed_in_by"])
        _event(locked, "sign_in", by, note=attendee.label)
    return attendee


def decide(meeting: Meeting, *, by, text: str, topic: Topic | None = None) -> MeetingDecision:
    """A decision of the meeting; on a topic of its agenda that is under discussion or taken to
    the meeting, the topic is decided by it."""
    text = (text or "").strip()
    if not text:
        raise MeetingError(_("Please write the decision."), code="empty")
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _require_manager(by, locked.region_id)
        if locked.status not in (S.HELD, S.MINUTED):
            raise MeetingError(_("Decisions are recorded once the meeting is held."), code="closed")
        if topic is not None and not locked.topics.filter(pk=topic.pk).exists():
            raise MeetingError(_("That topic is not on the meeting's agenda."), code="agenda")
        decision = MeetingDecision.objects.create(meeting=locked, topic=topic, text=text, by=by)
        _event(locked, "decide", by, note=text)
        if topic is not None:
            current = Topic.objects.select_for_update().get(pk=topic.pk)
            if current.stage in (Topic.Stage.DISCUSSION, Topic.Stage.MEETING):
                topic_services._move(
                    current, topic_services.TABLE["decide"], by=by, note=f"{locked.title}：{text}"
                )
    return decision


def _event(meeting, action, by, *, from_status="", to_status="", note=""):
    return MeetingEvent.objects.create(
        meeting=meeting,
        action=action,
        by=by if by is not None and by.is_authenticated else None,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )
