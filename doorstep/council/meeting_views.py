"""Staff pages of meetings: the calendar of meetings in scope, convening one (a topic may be put on
its agenda), and a meeting's desk (notice, sign-in, held, minutes, decisions on topics).
Outside one's scope a meeting is a 404."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

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
            meeting = services.convene(
                by=request.user,
                kind=request.POST.get("kind", ""),
                region=region,
                title=request.POST.get("title", ""),
                starts_at=starts_at,
                venue=request.POST.get("venue", ""),
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
        {"regions": regions, "kinds": Meeting.Kind.choices, "topic": topic, "post": request.POST},
    )


def _managed(request, pk) -> Meeting:
    return get_object_or_404(meetings_managed(request.user).select_related("region"), pk=pk)


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
