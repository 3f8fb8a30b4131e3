"""Every write of a meeting: convene it (a joint meeting gets the compound's five seats; the
venue may be a parlour or discussion corner place of the compound, its community or county),
send the notice to those concerned, sign people in (staff at the desk, or a concerned resident on
their phone while the meeting is on), hold it, record minutes and decisions (a decision on a topic
decides the topic), cancel it with a reason.

Statuses move through one table; each move locks the meeting row, checks it and who acts, writes
the new status and one MeetingEvent row.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.core.notify import notify_many
from doorstep.core.pii import mask_name
from doorstep.resources.models import Place
from doorstep.territory.models import JointBodySeat, Organization, Region

from . import topics as topic_services
from .meeting_models import Meeting, MeetingAttendee, MeetingDecision, MeetingEvent
from .topic_models import Topic, TopicSupport
from .topics import Transition

S = Meeting.Status
MANAGERS = topic_services.MANAGERS
FIVE_SEATS = [s for s, _label in JointBodySeat.Seat.choices]

# Places where meetings are held: the three-level parlours (党群会客厅) and discussion corners.
VENUE_KINDS = (Place.Kind.PARLOUR, Place.Kind.DISCUSSION_CORNER)

# A resident signs themselves in while the meeting is on: from half an hour before it starts
# until four hours after, once the notice is sent and until the minutes are recorded.
SIGN_IN_OPENS = timedelta(minutes=30)
SIGN_IN_CLOSES = timedelta(hours=4)


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


def venue_places(region: Region):
    """Parlours and discussion corners open to a meeting of the region: those in its subtree and
    those of its ancestors (the community's and the county's parlours)."""
    today = timezone.localdate()
    ancestors = list(Region.objects.ancestors(region, include_self=True).values_list("pk", flat=True))
    below = list(Region.objects.descendants(region, include_self=True).values_list("pk", flat=True))
    return (
        Place.objects.filter(kind__in=VENUE_KINDS)
        .filter(Q(region__in=ancestors) | Q(region__in=below))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=today))
    )


def convene(
    *,
    by,
    kind: str,
    region: Region,
    title: str,
    starts_at,
    venue: str = "",
    agenda: str = "",
    topics=(),
    place: Place | None = None,
) -> Meeting:
    """Plan a meeting. A five-party joint meeting is held in a compound whose 红色物业 joint body
    has its five seats; each seat becomes an expected attendee. The venue is a parlour or
    discussion corner of the region, its community or county (`place`), or free text."""
    _require_manager(by, region.pk)
    errors = []
    if place is not None:
        if not venue_places(region).filter(pk=place.pk).exists():
            errors.append(
                _("That place is not a parlour or discussion corner of this compound or community.")
            )
        elif not (venue or "").strip():
            venue = place.name
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
            place=place,
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
    """Who is told: the seats' representatives with a login, for each topic on the agenda its
    reporter and the people who supported it, and for an owners' assembly the residents and
    owners of its compound (or community). A fixed number of queries however many they are."""
    users = [
        a.person.user for a in meeting.attendees.select_related("person__user") if a.person and a.person.user
    ]
    topic_ids = list(meeting.topics.values_list("pk", flat=True))
    users += [s.user for s in TopicSupport.objects.filter(topic__in=topic_ids).select_related("user")]
    for t in Topic.objects.filter(pk__in=topic_ids).select_related("demand__reporter_user"):
        if t.demand_id and t.demand.reporter_user_id:
            users.append(t.demand.reporter_user)
    if meeting.kind == Meeting.Kind.ASSEMBLY:
        users += list(get_user_model().objects.filter(_residents_q(meeting.region_id)).distinct())
    return users


def _residents_q(region_id: int) -> Q:
    """Logins living in the region (a compound, or a community and its compounds) or owning a
    dwelling there now."""
    today = timezone.localdate()
    home = Q(person__home_region_id=region_id) | Q(person__home_region__parent_id=region_id)
    owns = (
        Q(person__ownerships__dwelling__building__compound_id=region_id)
        | Q(person__ownerships__dwelling__building__compound__parent_id=region_id)
    ) & (Q(person__ownerships__ended_on__isnull=True) | Q(person__ownerships__ended_on__gt=today))
    return Q(person__anonymised_at__isnull=True) & (home | owns)


def is_concerned(meeting: Meeting, user) -> bool:
    """May this login see the meeting on their phone and sign themselves in?"""
    if user is None or not user.is_authenticated:
        return False
    return meetings_concerning(user).filter(pk=meeting.pk).exists()


def meetings_concerning(user):
    """Meetings whose notice went out to this login: a seat they hold, a topic on the agenda they
    reported or supported, an owners' assembly where they live or own — or where they signed in."""
    from .topic_selectors import resident_places

    if user is None or not user.is_authenticated:
        return Meeting.objects.none()
    places = resident_places(user)
    q = (
        Q(attendees__person__user=user)
        | Q(attendees__user=user)
        | Q(topics__supports__user=user)
        | Q(topics__demand__reporter_user=user)
    )
    homes = sorted(places.compounds | places.communities)
    if homes:
        q |= Q(kind=Meeting.Kind.ASSEMBLY, region_id__in=homes)
    ids = Meeting.objects.filter(q).values("pk")
    # Cancelled before its notice went out, a meeting was never theirs to know of.
    noticed = MeetingEvent.objects.filter(meeting=OuterRef("pk"), action="notify")
    return (
        Meeting.objects.filter(pk__in=ids)
        .alias(noticed=Exists(noticed))
        .filter(Q(status__in=[S.NOTIFIED, S.HELD, S.MINUTED]) | Q(status=S.CANCELLED, noticed=True))
    )


def upcoming_at_place(place, limit: int = 20) -> list[Meeting]:
    """Meetings ahead at a place whose notice went out (for the place's public page)."""
    return list(
        Meeting.objects.filter(
            place=place,
            status__in=[S.NOTIFIED, S.HELD],
            starts_at__gte=timezone.now() - SIGN_IN_CLOSES,
        )
        .only("title", "kind", "starts_at", "status", "place_id")
        .order_by("starts_at", "id")[:limit]
    )


def sign_in_open(meeting: Meeting, now=None) -> bool:
    """Is the meeting on, so that those concerned may sign themselves in?"""
    now = now or timezone.now()
    if meeting.status not in (S.NOTIFIED, S.HELD):
        return False
    return meeting.starts_at - SIGN_IN_OPENS <= now <= meeting.starts_at + SIGN_IN_CLOSES


def self_sign_in(meeting: Meeting, *, by) -> MeetingAttendee:
    """A concerned resident signs in on their phone: once, while the meeting is on."""
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if not is_concerned(locked, by):
            raise MeetingError(_("This meeting is not one you were asked to."), code="forbidden")
        if not sign_in_open(locked):
            raise MeetingError(
                _("Sign-in opens half an hour before the meeting and closes four hours after it starts."),
                code="closed",
            )
        person = getattr(by, "person", None)
        mine = Q(user=by) | Q(person__user=by) if person is None else Q(user=by) | Q(person=person)
        attendee = MeetingAttendee.objects.select_for_update().filter(mine, meeting=locked).first()
        if attendee is None:
            label = mask_name(person.name) if person is not None and person.name else by.get_username()
            try:
                with transaction.atomic():
                    attendee = MeetingAttendee.objects.create(
                        meeting=locked, person=person, user=by, label=label[:200]
                    )
            except IntegrityError:
                attendee = MeetingAttendee.objects.select_for_update().filter(mine, meeting=locked).first()
        if attendee.signed_in_at is not None:
            raise MeetingError(_("You have signed in already."), code="twice")
        attendee.signed_in_at, attendee.signed_in_by = timezone.now(), by
        if attendee.user_id is None:
            attendee.user = by
        attendee.save(update_fields=["signed_in_at", "signed_in_by", "user"])
        _event(locked, "sign_in", by, note=attendee.label)
    return attendee


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
    url = reverse("council:meeting", args=[meeting.pk])
    notify_many(concerned_users(meeting), text, exclude=by, kind="meeting", url=url)


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
