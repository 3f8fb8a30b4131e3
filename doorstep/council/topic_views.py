"""Pages of topics (议题): residents on the phone (topics where I live, a topic with its stages,
discussion and supports, the link to its vote and result); the staff console (topics in scope,
take up hard-matter demands, move stages, open the vote, hide posts).

Views parse input and call one service (council.topics); reads come from council.topic_selectors
and are scoped by the user: a topic outside one's reach is a 404, as if it did not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.territory.models import Building, Dwelling, Region

from . import topic_selectors as selectors
from . import topics as services
from .models import Vote
from .topic_models import Topic, TopicEvent, TopicPost

OPEN_FIRST = Case(
    When(stage__in=[Topic.Stage.CLOSED, Topic.Stage.REPORTED_BACK], then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _places_choices(user) -> list[tuple[str, str]]:
    """Where a resident may raise a topic: their community, compound, building, stairwell unit."""
    p = selectors.resident_places(user)
    regions = {
        r.pk: r for r in Region.objects.filter(pk__in=p.communities | p.compounds).only("name", "level")
    }
    buildings = {b.pk: b for b in Building.objects.filter(pk__in=p.buildings).select_related("compound")}
    out = [(f"r{pk}", str(regions[pk])) for pk in sorted(p.communities) if pk in regions]
    out += [(f"r{pk}", str(regions[pk])) for pk in sorted(p.compounds) if pk in regions]
    out += [(f"b{pk}", f"{b.compound} {b.number}") for pk, b in sorted(buildings.items())]
    out += [
        (f"s{b}-{u}", f"{buildings[b].compound} {buildings[b].number}" + _(" unit %(n)d") % {"n": u})
        for b, u in sorted(p.stairwells)
        if b in buildings
    ]
    return out


def _parse_place(value: str):
    """ "r12" → (region, None, None); "b3" → building; "s3-1" → building 3, stairwell unit 1."""
    try:
        if value.startswith("r"):
            return Region.objects.get(pk=int(value[1:])), None, None
        if value.startswith("b"):
            b = Building.objects.select_related("compound").get(pk=int(value[1:]))
            return b.compound, b, None
        if value.startswith("s"):
            pk, unit = value[1:].split("-")
            b = Building.objects.select_related("compound").get(pk=int(pk))
            return b.compound, b, int(unit)
    except (ValueError, Region.DoesNotExist, Building.DoesNotExist):
        pass
    raise ValidationError(_("Please choose where the topic belongs."))


# --- residents --------------------------------------------------------------------------------


@login_required
def topics(request):
    """Topics where I live: my stairwell unit, building, compound, community — open ones first."""
    rows = list(
        selectors.topics_near_me(request.user)
        .select_related("region", "building")
        .defer("region__boundary")
        .annotate(done=OPEN_FIRST)
        .order_by("done", "-stage_changed_at", "-id")[:100]
    )
    return render(request, "council/topics.html", {"topics": rows, "places": _places_choices(request.user)})


@login_required
@require_POST
def topic_raise(request):
    try:
        region, building, unit = _parse_place(request.POST.get("place", ""))
        topic = services.raise_topic(
            by=request.user,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            region=region,
            building=building,
            stairwell_unit=unit,
            origin=services.Topic.Origin.RESIDENT,
        )
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("council:topics")
    messages.success(request, _("Your topic is raised; neighbours can now support and discuss it."))
    return redirect("council:topic", pk=topic.pk)


def _visible(request, pk) -> Topic:
    return get_object_or_404(
        selectors.topics_visible(request.user).select_related("region", "building", "vote", "demand"), pk=pk
    )


def _context(request, topic: Topic) -> dict:
    vote = topic.vote
    return {
        "topic": topic,
        "path": selectors.stage_path(topic),
        "posts": selectors.posts(topic),
        "supported": selectors.has_supported(topic, request.user),
        "vote": vote,
        "vote_result": vote.result if vote is not None and vote.status == Vote.Status.ANNOUNCED else None,
        "events": _events(topic),
        "meetings": list(topic.meetings.defer("minutes").order_by("starts_at")),
    }


def _events(topic: Topic) -> list[TopicEvent]:
    events = list(TopicEvent.objects.filter(topic=topic).exclude(action="hide_post"))
    for e in events:
        e.label = services.ACTION_LABELS.get(e.action, e.action)
    return events


@login_required
def topic(request, pk):
    """A topic on the phone: where it stands, the decision, the vote, supports and discussion."""
    t = _visible(request, pk)
    ctx = _context(request, t)
    ctx["is_voter"] = t.vote is not None and t.vote.voters.filter(user=request.user).exists()
    ctx["manage"] = services.can_manage(request.user, t)
    return render(request, "council/topic.html", ctx)


@login_required
@require_POST
def topic_support(request, pk):
    t = _visible(request, pk)
    try:
        counted = services.support(t, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, _("Thank you for your support.") if counted else _("You support it already.")
        )
    return _back(request, t, anchor="supports")


@login_required
@require_POST
def topic_post(request, pk):
    t = _visible(request, pk)
    try:
        services.post(t, by=request.user, text=request.POST.get("text", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Your post is up."))
    return _back(request, t, anchor="discussion")


def _back(request, t: Topic, anchor: str = ""):
    name = "council:staff_topic" if request.POST.get("from") == "staff" else "council:topic"
    response = redirect(name, pk=t.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


# --- staff ------------------------------------------------------------------------------------


@login_required
def staff_topics(request):
    """Topics in my scope by stage, and hard-matter demands waiting to be taken up."""
    qs = selectors.topics_managed(request.user)
    stage = request.GET.get("stage", "")
    if stage in Topic.Stage.values:
        qs = qs.filter(stage=stage)
    rows = list(
        qs.select_related("region", "building", "vote")
        .defer("region__boundary")
        .order_by("-stage_changed_at", "-id")[:200]
    )
    waiting = list(
        selectors.hard_demands_waiting(request.user)
        .select_related("region")
        .defer("region__boundary")
        .prefetch_related("region__buildings")
        .order_by("-received_at")[:50]
    )
    return render(
        request,
        "council/staff_topics.html",
        {"topics": rows, "waiting": waiting, "stages": Topic.Stage.choices, "stage": stage},
    )


@login_required
@require_POST
def staff_topic_from_demand(request, demand_pk):
    demand = get_object_or_404(
        selectors.hard_demands_waiting(request.user).select_related("region"), pk=demand_pk
    )
    building = unit = None
    try:
        if request.POST.get("building"):
            building = get_object_or_404(
                Building, pk=int(request.POST["building"]), compound=demand.region_id
            )
        if request.POST.get("stairwell_unit"):
            unit = int(request.POST["stairwell_unit"])
        t = services.topic_from_demand(
            demand,
            by=request.user,
            title=request.POST.get("title", ""),
            building=building,
            stairwell_unit=unit,
        )
    except (ValueError, ValidationError) as exc:
        if isinstance(exc, ValidationError):
            _errors(request, exc)
        else:
            messages.error(request, _("Please give the stairwell unit as a number."))
        return redirect("council:staff_topics")
    messages.success(request, _("The demand is now a topic; its reporter has been told."))
    return redirect("council:staff_topic", pk=t.pk)


def _managed(request, pk) -> Topic:
    return get_object_or_404(
        selectors.topics_managed(request.user).select_related("region", "building", "vote", "demand"), pk=pk
    )


@login_required
def staff_topic(request, pk):
    t = _managed(request, pk)
    ctx = _context(request, t)
    ctx["actions"] = services.allowed(t, request.user)
    ctx["can_vote"] = bool(ctx["actions"]) and t.stage in services.TABLE["vote"].sources
    ctx["matters"] = Vote.Matter.choices
    ctx["manage"] = services.can_manage(request.user, t)
    if t.stage in (Topic.Stage.DECIDED, Topic.Stage.CARRYING_OUT):
        from doorstep.projects.selectors import make_project_link

        ctx["make_project"] = make_project_link(request.user, topic=t)
    ctx["rooms"] = (
        list(
            Dwelling.objects.filter(building=t.building_id, stairwell_unit=t.stairwell_unit).values_list(
                "room", flat=True
            )
        )
        if t.scope_level == Topic.ScopeLevel.STAIRWELL
        else []
    )
    return render(request, "council/staff_topic.html", ctx)


@login_required
@require_POST
def staff_topic_move(request, pk, action):
    t = _managed(request, pk)
    if action not in services.TABLE or not services.TABLE[action].manual:
        raise Http404
    try:
        services.transition(t, action, by=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": services.TABLE[action].label})
    return redirect("council:staff_topic", pk=t.pk)


@login_required
@require_POST
def staff_topic_vote(request, pk):
    """Draft the owners' vote of the topic (plain matter, or the elevator-retrofit template)."""
    t = _managed(request, pk)
    elevator = request.POST.get("template") == "elevator"
    rooms = [r.strip() for r in request.POST.get("occupied", "").replace("，", ",").split(",") if r.strip()]
    try:
        occupied = []
        if rooms:
            found = {
                d.room: d
                for d in Dwelling.objects.filter(
                    building=t.building_id, stairwell_unit=t.stairwell_unit, room__in=rooms
                )
            }
            missing = [r for r in rooms if r not in found]
            if missing or t.building_id is None:
                raise ValidationError(
                    _("No such room in this stairwell unit: %(rooms)s.")
                    % {"rooms": ", ".join(missing or rooms)}
                )
            occupied = [found[r] for r in rooms]
        vote = services.open_topic_vote(
            t,
            by=request.user,
            matter=request.POST.get("matter", ""),
            title=request.POST.get("title", ""),
            elevator=elevator,
            occupied=occupied,
        )
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("council:staff_topic", pk=t.pk)
    messages.success(request, _("The vote is drafted; open it when the notice has gone out."))
    return redirect("council:staff_vote", pk=vote.pk)


@login_required
@require_POST
def staff_post_hide(request, pk, post_pk):
    t = _managed(request, pk)
    p = get_object_or_404(TopicPost, pk=post_pk, topic=t)
    try:
        services.hide_post(p, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The post is hidden; its reason is shown in its place."))
    response = redirect("council:staff_topic", pk=t.pk)
    response["Location"] += f"#post-{p.pk}"
    return response
