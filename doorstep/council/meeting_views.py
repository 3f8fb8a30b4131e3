"""Pages of meetings. Staff: the calendar of meetings in scope (by day, and a month grid),
convening one (a topic may be put on its agenda, the venue a parlour or discussion corner), and a
meeting's desk (notice, sign-in, held, minutes, decisions on topics). Outside one's scope a
meeting is a 404. Residents: the meetings they were noticed of on their phone, each with its
agenda and topics, and signing themselves in while it is on; a meeting not theirs is a 404."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.resources.models import Place
from doorstep.territory.models import Region
from doorstep.territory.selectors import scope_for

from . import meetings as services
from . import topic_selectors
from .meeting_models import Meeting, MeetingAttendee, MeetingDecision, MeetingEvent
from .topic_models import Topic


def meetings_managed(user):
    if user is None or not user.is_authenticated:
        return Meeting.objects.none()
    if user.is_superuser:
        return Meeting.objects.all()
    scope = scope_for(user)
    if scope.is_empty:
        return Meeting.objects.none()
    return scope.filter(Meeting.objects.all(), "region")


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@login_required
def staff_meetings(request):
    """The calendar: meetings from today on, by day; then the past ones."""
    today = timezone.localdate()
    qs = meetings_managed(request.user).select_related("region").defer("region__boundary")
    upcoming = list(qs.filter(starts_at__date__gte=today).order_by("starts_at")[:200])
    past = list(qs.filter(starts_at__date__lt=today).order_by("-starts_at")[:50])
    days: dict = {}
    for m in upcoming:
        days.setdefault(timezone.localtime(m.starts_at).date(), []).append(m)
    return render(
        request,
        "council/staff_meetings.html",
        {
            "days": sorted(days.items()),
            "past": past,
            "kinds": Meeting.Kind.choices,
            "regions": _regions(request.user),
        },
    )


def _regions(user) -> list[Region]:
    """Communities and compounds where the user may convene meetings."""
    scope = scope_for(user)
    if not (user.is_superuser or scope.role_kinds & services.MANAGERS):
        return []
    return list(
        Region.objects.filter(level__in=[Region.Level.COMMUNITY, Region.Level.COMPOUND])
        .filter(scope.q("pk"))
        .only("name", "level")
        .order_by("level", "name")[:200]
    )


@login_required
def staff_meeting_new(request):
    regions = _regions(request.user)
    places = _venue_choices(regions)
    topic = None
    if request.GET.get("topic"):
        topic = get_object_or_404(topic_selectors.topics_managed(request.user), pk=request.GET["topic"])
    if request.method == "POST":
        try:
            region = next((r for r in regions if str(r.pk) == request.POST.get("region")), None)
            if region is None:
                raise ValidationError(_("Please choose the compound or community."))
            try:
                starts_at = timezone.make_aware(
                    datetime.strptime(request.POST.get("starts_at", ""), "%Y-%m-%dT%H:%M")
                )
            except ValueError:
                starts_at = None
            topic_ids = [int(v) for v in request.POST.getlist("topics") if v.isdigit()]
            place = None
            if request.POST.get("place"):
                place = next((p for p in places if str(p.pk) == request.POST["place"]), None)
                if place is None:
                    raise ValidationError(_("Please choose a parlour or discussion corner from the list."))
            meeting = services.convene(
                by=request.user,
                kind=request.POST.get("kind", ""),
                region=region,
                title=request.POST.get("title", ""),
                starts_at=starts_at,
                venue=request.POST.get("venue", ""),
                place=place,
                agenda=request.POST.get("agenda", ""),
                topics=topic_selectors.topics_managed(request.user)
                .filter(pk__in=topic_ids)
                .select_related("region"),
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The meeting is planned; send the notice when the agenda is set."))
            return redirect("council:staff_meeting", pk=meeting.pk)
    return render(
        request,
        "council/staff_meeting_new.html",
        {
            "regions": regions,
            "places": places,
            "kinds": Meeting.Kind.choices,
            "topic": topic,
            "post": request.POST,
        },
    )


def _venue_choices(regions: list[Region]) -> list[Place]:
    """Parlours and discussion corners of the regions where the user convenes, and of their
    ancestors (community and county parlours); which fits the chosen region is checked on save."""
    if not regions:
        return []
    ids = [r.pk for r in regions]
    ancestors = set()
    for r in Region.objects.filter(pk__in=ids).with_tree_fields().only("pk"):
        ancestors.update(r.tree_path)
    return list(
        Place.objects.filter(kind__in=services.VENUE_KINDS, region__in=ancestors | set(ids))
        .filter(closed_on__isnull=True)
        .select_related("region")
        .only("name", "kind", "region__name", "region__level")
        .order_by("region__level", "region__name", "name")[:300]
    )


def _managed(request, pk) -> Meeting:
    return get_object_or_404(meetings_managed(request.user).select_related("region", "place"), pk=pk)


@login_required
def staff_meeting(request, pk):
    m = _managed(request, pk)
    events = list(MeetingEvent.objects.filter(meeting=m).select_related("by"))
    for e in events:
        e.label = services.ACTION_LABELS.get(e.action, e.action)
    return render(
        request,
        "council/staff_meeting.html",
        {
            "meeting": m,
            "place": m.place,
            "attendees": list(MeetingAttendee.objects.filter(meeting=m)),
            "topics": list(m.topics.all()),
            "decisions": list(MeetingDecision.objects.filter(meeting=m).select_related("topic")),
            "actions": services.allowed(m, request.user),
            "events": events,
            "can_sign": m.status in (Meeting.Status.NOTIFIED, Meeting.Status.HELD),
            "can_decide": m.status in (Meeting.Status.HELD, Meeting.Status.MINUTED),
        },
    )


@login_required
@require_POST
def staff_meeting_move(request, pk, action):
    m = _managed(request, pk)
    if action not in services.TABLE:
        raise Http404
    try:
        services.transition(m, action, by=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": services.TABLE[action].label})
    return redirect("council:staff_meeting", pk=m.pk)


@login_required
@require_POST
def staff_meeting_sign_in(request, pk):
    m = _managed(request, pk)
    attendee = None
    if request.POST.get("attendee"):
        attendee = get_object_or_404(MeetingAttendee, pk=request.POST["attendee"], meeting=m)
    try:
        services.sign_in(m, by=request.user, attendee=attendee, label=request.POST.get("label", ""))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("council:staff_meeting", pk=m.pk)


@login_required
@require_POST
def staff_meeting_decide(request, pk):
    m = _managed(request, pk)
    topic = None
    if request.POST.get("topic"):
        topic = get_object_or_404(Topic, pk=request.POST["topic"])
    try:
        services.decide(m, by=request.user, text=request.POST.get("text", ""), topic=topic)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The decision is recorded."))
    return redirect("council:staff_meeting", pk=m.pk)


# --- the month calendar (staff) ---------------------------------------------------------------


def _month(value: str | None) -> date:
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        return date(year, month, 1) if 1900 < year < 3000 else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


@login_required
def staff_meetings_month(request):
    """A month of meetings in scope: a grid of weeks (Monday first) on a desk, a list of the days
    with meetings on a phone; the previous and next months a click away, today marked."""
    first = _month(request.GET.get("m"))
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start, end = weeks[0][0], weeks[-1][-1] + timedelta(days=1)
    tz = timezone.get_current_timezone()
    qs = (
        meetings_managed(request.user)
        .filter(
            starts_at__gte=datetime.combine(start, datetime.min.time(), tz),
            starts_at__lt=datetime.combine(end, datetime.min.time(), tz),
        )
        .select_related("region")
        .only("title", "starts_at", "status", "kind", "venue", "region__name")
        .order_by("starts_at", "id")[:1000]
    )
    by_day: dict[date, list[Meeting]] = {}
    for m in qs:
        by_day.setdefault(timezone.localtime(m.starts_at).date(), []).append(m)
    today = timezone.localdate()
    grid = [
        [
            {"day": d, "meetings": by_day.get(d, []), "today": d == today, "outside": d.month != first.month}
            for d in week
        ]
        for week in weeks
    ]
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "council/staff_meetings_month.html",
        {
            "month": first,
            "weeks": grid,
            "weekdays": [date(2024, 1, d) for d in range(1, 8)],  # 2024-01-01 was a Monday
            "prev": prev_month.strftime("%Y-%m"),
            "next": next_month.strftime("%Y-%m"),
            "this": today.strftime("%Y-%m"),
            "count": sum(len(v) for v in by_day.values()),
        },
    )


# --- residents --------------------------------------------------------------------------------


@login_required
def meetings(request):
    """My meetings on the phone: those ahead (and on now) that I was noticed of, then the last few."""
    now = timezone.now()
    qs = (
        services.meetings_concerning(request.user)
        .select_related("region", "place")
        .defer("region__boundary", "minutes", "agenda")
    )
    upcoming = list(qs.filter(starts_at__gte=now - services.SIGN_IN_CLOSES).order_by("starts_at", "id")[:50])
    for m in upcoming:
        m.on_now = services.sign_in_open(m, now)
    past = list(qs.filter(starts_at__lt=now - services.SIGN_IN_CLOSES).order_by("-starts_at", "-id")[:10])
    return render(request, "council/meetings.html", {"upcoming": upcoming, "past": past})


def _concerning(request, pk) -> Meeting:
    return get_object_or_404(
        services.meetings_concerning(request.user).select_related("region", "place"), pk=pk
    )


@login_required
def meeting(request, pk):
    """A meeting on the phone: when and where, the agenda and its topics, my sign-in."""
    m = _concerning(request, pk)
    mine = (
        MeetingAttendee.objects.filter(meeting=m)
        .filter(Q(user=request.user) | Q(person__user=request.user))
        .order_by("-signed_in_at")
        .first()
    )
    return render(
        request,
        "council/meeting.html",
        {
            "meeting": m,
            "topics": list(m.topics.only("title", "stage")),
            "decisions": list(MeetingDecision.objects.filter(meeting=m).select_related("topic")),
            "mine": mine,
            "sign_in_open": services.sign_in_open(m),
            "opens": m.starts_at - services.SIGN_IN_OPENS,
        },
    )


@login_required
@require_POST
def meeting_sign_in(request, pk):
    m = _concerning(request, pk)
    try:
        services.self_sign_in(m, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("You are signed in. Welcome!"))
    return redirect("council:meeting", pk=m.pk)
