"""Every write of a topic (议题): raise it (or take it from a hard-matter demand), move its stage,
link it to an owners' vote, post in its discussion, hide a post, support it.

Stages move through one transition table; each move locks the topic row, checks the table and
who acts, writes the new stage and one TopicEvent row, and tells the reporter of the demand it
came from (and, when it is decided or reported back, the people who supported it).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.core.notify import message_phone, notify, notify_many
from doorstep.core.pii import mask_name
from doorstep.territory.models import Building, Region
from doorstep.territory.selectors import scope_for

from . import services as vote_services
from .models import Vote
from .topic_models import Topic, TopicEvent, TopicPost, TopicSupport

St = Topic.Stage
MANAGERS = vote_services.MANAGERS | {"grid_worker"}
# Who may turn a hard-matter demand into a topic: the desk that triaged it.
DESK_KINDS = frozenset({"community_staff", "subdistrict_staff", "leader", "admin"})
STAFF_KINDS = frozenset(
    {
        "grid_worker",
        "community_staff",
        "subdistrict_staff",
        "property_staff",
        "committee_member",
        "leader",
        "admin",
    }
)
MAX_POST = 2000


class TopicError(ValidationError):
    """A topic action refused; the message says why, in the user's language."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    label: object
    needs_note: object = None  # the prompt for the note the move requires, if any
    manual: bool = True  # offered as a button (the vote stage is reached by opening a vote)


OPEN_STAGES = frozenset({St.PROPOSED, St.DISCUSSION, St.MEETING, St.VOTE, St.DECIDED, St.CARRYING_OUT})

TABLE: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("discuss", frozenset({St.PROPOSED}), St.DISCUSSION, gettext_lazy("Open the discussion")),
        Transition("meet", frozenset({St.DISCUSSION}), St.MEETING, gettext_lazy("Take it to a meeting")),
        Transition(
            "vote",
            frozenset({St.DISCUSSION, St.MEETING}),
            St.VOTE,
            gettext_lazy("Put it to the owners' vote"),
            manual=False,
        ),
        Transition(
            "decide",
            frozenset({St.DISCUSSION, St.MEETING, St.VOTE}),
            St.DECIDED,
            gettext_lazy("Record the decision"),
            needs_note=gettext_lazy("What was decided?"),
        ),
        Transition(
            "carry_out", frozenset({St.DECIDED}), St.CARRYING_OUT, gettext_lazy("Start carrying it out")
        ),
        Transition(
            "report_back",
            frozenset({St.DECIDED, St.CARRYING_OUT}),
            St.REPORTED_BACK,
            gettext_lazy("Report back"),
            needs_note=gettext_lazy("What was done?"),
        ),
        Transition(
            "close",
            OPEN_STAGES,
            St.CLOSED,
            gettext_lazy("Close the topic"),
            needs_note=gettext_lazy("Why is it closed?"),
        ),
    ]
}

ACTION_LABELS = {
    "raise": gettext_lazy("Raised"),
    "from_demand": gettext_lazy("Taken up from a hard-matter demand"),
    "discuss": gettext_lazy("Discussion opened"),
    "meet": gettext_lazy("Taken to a meeting"),
    "vote": gettext_lazy("Put to the owners' vote"),
    "decide": gettext_lazy("Decided"),
    "carry_out": gettext_lazy("Being carried out"),
    "report_back": gettext_lazy("Reported back"),
    "close": gettext_lazy("Closed"),
    "hide_post": gettext_lazy("A post was hidden"),
}

# The stages a topic passes on its way, in order, for the progress line on its page.
PATH = [St.PROPOSED, St.DISCUSSION, St.MEETING, St.VOTE, St.DECIDED, St.CARRYING_OUT, St.REPORTED_BACK]


# --- who may act -----------------------------------------------------------------------------


def may_manage_region(user, region_id: int | None) -> bool:
    """Staff (community, subdistrict, grid, owners' committee) whose scope covers the region;
    used by topics and meetings alike."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    scope = scope_for(user)
    return bool(scope.role_kinds & MANAGERS) and scope.covers_region(region_id)


def can_manage(user, topic: Topic) -> bool:
    return may_manage_region(user, topic.region_id)


def _require_manager(user, topic: Topic):
    if not can_manage(user, topic):
        raise TopicError(_("You may not manage topics here."), code="forbidden")


def _may_take_part(user, topic: Topic) -> bool:
    from .topic_selectors import topics_visible

    return topics_visible(user).filter(pk=topic.pk).exists()


def allowed(topic: Topic, user) -> list[Transition]:
    if not can_manage(user, topic):
        return []
    return [t for t in TABLE.values() if t.manual and topic.stage in t.sources]


def topic_url(topic: Topic) -> str:
    return reverse("council:topic", args=[topic.pk])


# --- raising a topic -------------------------------------------------------------------------


def _scope(region: Region, building: Building | None, stairwell_unit: int | None) -> tuple[str, list[str]]:
    """The scope level the arguments describe, and what is wrong with them."""
    errors = []
    L = Region.Level
    if region.level not in (L.COMMUNITY, L.COMPOUND):
        errors.append(_("A topic belongs to a community or a compound."))
    errors += vote_services.building_scope_errors(region, building, stairwell_unit)
    if stairwell_unit is not None:
        level = Topic.ScopeLevel.STAIRWELL
    elif building is not None:
        level = Topic.ScopeLevel.BUILDING
    elif region.level == L.COMMUNITY:
        level = Topic.ScopeLevel.COMMUNITY
    else:
        level = Topic.ScopeLevel.COMPOUND
    return level, errors


def _person_label(user) -> str:
    person = getattr(user, "person", None)
    return mask_name(person.name) if person is not None and person.name else _("a resident")


def _resident_covers(user, level: str, region: Region, building, stairwell_unit) -> bool:
    from .topic_selectors import resident_places

    p = resident_places(user)
    if level == Topic.ScopeLevel.COMMUNITY:
        return region.pk in p.communities
    if level == Topic.ScopeLevel.COMPOUND:
        return region.pk in p.compounds
    if level == Topic.ScopeLevel.BUILDING:
        return building.pk in p.buildings
    return (building.pk, stairwell_unit) in p.stairwells


def raise_topic(
    *,
    by,
    title: str,
    region: Region,
    description: str = "",
    building: Building | None = None,
    stairwell_unit: int | None = None,
    origin: str | None = None,
    raised_by_name: str = "",
) -> Topic:
    """A topic raised by a resident (within their own dwelling's stairwell, building, compound or
    community), by staff in scope, or by staff on behalf of an observer (origin "observer")."""
    if by is None or not by.is_authenticated:
        raise TopicError(_("Please log in first."), code="forbidden")
    level, errors = _scope(region, building, stairwell_unit)
    title, description = title.strip(), description.strip()
    if not title:
        errors.append(_("Please give the topic a title."))
    if len(title) > 200:
        errors.append(_("The title is too long (200 characters at most)."))
    if errors:
        raise TopicError(errors)
    scope = scope_for(by)
    is_staff = by.is_superuser or (bool(scope.role_kinds & STAFF_KINDS) and scope.covers_region(region.pk))
    if origin in (None, ""):
        origin = Topic.Origin.STAFF if is_staff else Topic.Origin.RESIDENT
    if origin not in (Topic.Origin.RESIDENT, Topic.Origin.STAFF, Topic.Origin.OBSERVER):
        raise TopicError(_("Unknown origin."), code="origin")
    if origin == Topic.Origin.RESIDENT:
        if not _resident_covers(by, level, region, building, stairwell_unit):
            raise TopicError(_("You can raise topics only where you live."), code="forbidden")
        raised_by_name = _person_label(by)
    elif not is_staff:
        raise TopicError(_("Only staff of this place can raise a topic for others."), code="forbidden")
    elif origin == Topic.Origin.OBSERVER and not raised_by_name.strip():
        raise TopicError(_("Please give the observer's name."), code="observer")
    with transaction.atomic():
        topic = Topic.objects.create(
            title=title,
            description=description,
            origin=origin,
            scope_level=level,
            region=region,
            building=building,
            stairwell_unit=stairwell_unit,
            raised_by=by,
            raised_by_name=(raised_by_name or "").strip()[:64],
            stage_changed_at=timezone.now(),
        )
        _event(topic, "raise", by, to_stage=topic.stage)
    return topic


def topic_from_demand(
    demand, *, by, title: str = "", building: Building | None = None, stairwell_unit: int | None = None
) -> Topic:
    """Take up a demand triaged as a hard matter (难事) as a topic linked back to it, and tell
    the reporter where their matter is now discussed."""
    from doorstep.demands.models import Demand

    scope = scope_for(by)
    if not (by.is_superuser or (scope.role_kinds & DESK_KINDS and scope.covers_region(demand.region_id))):
        raise TopicError(
            _("Only the desk in charge of this place can take up its demands."), code="forbidden"
        )
    if demand.triage != Demand.Triage.HARD:
        raise TopicError(_("Only a demand triaged as a hard matter becomes a topic."), code="triage")
    region = demand.region
    if region is None:
        raise TopicError(_("The demand has no place; locate it first."), code="region")
    level, errors = _scope(region, building, stairwell_unit)
    if errors:
        raise TopicError(errors)
    title = (title or "").strip() or demand.text.strip().splitlines()[0][:60]
    try:
        with transaction.atomic():
            locked = Demand.objects.select_for_update().get(pk=demand.pk)
            if Topic.objects.filter(demand=locked).exists():
                raise TopicError(_("This demand is a topic already."), code="exists")
            topic = Topic.objects.create(
                title=title[:200],
                description=locked.text,
                origin=Topic.Origin.DEMAND,
                demand=locked,
                scope_level=level,
                region=region,
                building=building,
                stairwell_unit=stairwell_unit,
                raised_by=by,
                raised_by_name=_("the desk, from demand %(number)s") % {"number": locked.number},
                stage_changed_at=timezone.now(),
            )
            _event(topic, "from_demand", by, to_stage=topic.stage, note=locked.number)
            text = _(
                "Your demand %(number)s is now topic “%(title)s”: neighbours can discuss and support it there."
            ) % {"number": locked.number, "title": topic.title}
            if locked.reporter_user_id:
                notify(locked.reporter_user, text, kind="topic", url=topic_url(topic))
            elif locked.contact_phone and not locked.anonymous:
                message_phone(locked.contact_phone, text, kind="topic")
    except IntegrityError:
        raise TopicError(_("This demand is a topic already."), code="exists") from None
    return topic


# --- stages ----------------------------------------------------------------------------------


def transition(topic: Topic, action: str, *, by, note: str = "") -> Topic:
    rule = TABLE.get(action)
    if rule is None:
        raise TopicError(_("Unknown action."), code="unknown")
    note = (note or "").strip()
    if rule.needs_note and not note:
        raise TopicError(str(rule.needs_note), code="note")
    with transaction.atomic():
        locked = Topic.objects.select_for_update().get(pk=topic.pk)
        _require_manager(by, locked)
        return _move(locked, rule, by=by, note=note)


def _move(locked: Topic, rule: Transition, *, by, note: str) -> Topic:
    if locked.stage not in rule.sources:
        raise TopicError(
            _("The topic is “%(stage)s”; it cannot move to “%(target)s” now.")
            % {"stage": locked.get_stage_display(), "target": St(rule.target).label},
            code="conflict",
        )
    if rule.action == "vote" and locked.vote_id is None:
        raise TopicError(_("Open an owners' vote for the topic first."), code="vote")
    source = locked.stage
    if rule.action == "decide":
        locked.decision = note
    elif rule.action == "report_back":
        locked.report = note
    elif rule.action == "close":
        locked.close_reason = note
    locked.stage = rule.target
    locked.stage_changed_at = timezone.now()
    locked.save()
    _event(locked, rule.action, by, from_stage=source, to_stage=locked.stage, note=note)
    _tell(locked, by)
    return locked


def _tell(topic: Topic, by) -> None:
    text = _("Topic “%(title)s” is now: %(stage)s.") % {
        "title": topic.title,
        "stage": topic.get_stage_display(),
    }
    url = topic_url(topic)
    users = []
    if topic.demand_id and topic.demand.reporter_user_id:
        users.append(topic.demand.reporter_user)
    if topic.stage in (St.DECIDED, St.REPORTED_BACK, St.CLOSED):
        users += [s.user for s in TopicSupport.objects.filter(topic=topic).select_related("user")]
    notify_many(users, text, exclude=by, kind="topic", url=url)


def open_topic_vote(
    topic: Topic, *, by, matter: str = "", title: str = "", elevator: bool = False, occupied=(), **extra
) -> Vote:
    """Draft an owners' vote over the topic's compound, building or stairwell unit, link it, and
    move the topic to the vote stage. Elevator retrofit: the stairwell-unit template."""
    with transaction.atomic():
        locked = (
            Topic.objects.select_for_update(of=("self",))
            .select_related("building", "region")
            .get(pk=topic.pk)
        )
        _require_manager(by, locked)
        if locked.stage not in TABLE["vote"].sources:
            raise TopicError(
                _("The topic is “%(stage)s”; a vote is opened after discussion or a meeting.")
                % {"stage": locked.get_stage_display()},
                code="conflict",
            )
        if locked.scope_level == Topic.ScopeLevel.COMMUNITY:
            raise TopicError(
                _("Owners vote within a compound, a building or a stairwell unit, not a whole community."),
                code="scope",
            )
        title = (title or "").strip() or locked.title
        if elevator:
            if locked.scope_level != Topic.ScopeLevel.STAIRWELL:
                raise TopicError(_("An elevator retrofit is voted in one stairwell unit."), code="scope")
            vote = vote_services.elevator_retrofit_vote(
                building=locked.building,
                stairwell_unit=locked.stairwell_unit,
                occupied=occupied,
                by=by,
                title=title,
                description=locked.description,
                **extra,
            )
        else:
            vote = vote_services.create_vote(
                compound=locked.region,
                building=locked.building,
                stairwell_unit=locked.stairwell_unit,
                title=title,
                description=locked.description,
                matter=matter,
                consent_required_of=occupied,
                by=by,
                **extra,
            )
        locked.vote = vote
        _move(locked, TABLE["vote"], by=by, note=vote.title)
    return vote


def vote_announced(vote: Vote, by) -> None:
    """The vote's result is announced: every topic waiting on it is decided by it."""
    outcome = _("The owners' vote passed.") if vote.passed else _("The owners' vote did not pass.")
    for topic in Topic.objects.select_for_update().filter(vote=vote, stage=St.VOTE):
        _move(topic, TABLE["decide"], by=by, note=f"{outcome} {vote.title}")


# --- discussion and supports -----------------------------------------------------------------


def post(topic: Topic, *, by, text: str) -> TopicPost:
    text = (text or "").strip()
    if not text:
        raise TopicError(_("Please write something first."), code="empty")
    if len(text) > MAX_POST:
        raise TopicError(_("A post is %(n)d characters at most.") % {"n": MAX_POST}, code="long")
    if by is None or not by.is_authenticated or not _may_take_part(by, topic):
        raise TopicError(_("You cannot take part in this topic."), code="forbidden")
    with transaction.atomic():
        locked = Topic.objects.select_for_update().get(pk=topic.pk)
        if not locked.is_open:
            raise TopicError(_("The topic is closed; the discussion is over."), code="closed")
        staff = can_manage(by, locked)
        label = _("staff · %(name)s") % {"name": _person_label(by)} if staff else _person_label(by)
        p = TopicPost.objects.create(
            topic=locked, author=by, author_label=label[:64], is_staff_post=staff, text=text
        )
        Topic.objects.filter(pk=locked.pk).update(post_count=F("post_count") + 1)
    return p


def hide_post(p: TopicPost, *, by, reason: str) -> TopicPost:
    reason = (reason or "").strip()
    if not reason:
        raise TopicError(
            _("Please give the reason for hiding the post; it is shown in its place."), code="reason"
        )
    if len(reason) > 200:
        raise TopicError(_("The reason is too long (200 characters at most)."), code="reason")
    with transaction.atomic():
        locked = TopicPost.objects.select_for_update(of=("self",)).select_related("topic").get(pk=p.pk)
        _require_manager(by, locked.topic)
        if locked.hidden_at is not None:
            raise TopicError(_("The post is hidden already."), code="hidden")
        locked.hidden_at, locked.hidden_by, locked.hidden_reason = timezone.now(), by, reason
        locked.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        _event(locked.topic, "hide_post", by, note=f"#{locked.pk} {reason}")
    return locked


def support(topic: Topic, *, by) -> bool:
    """+1 from this person; a second press (or two at once) counts once. True if newly counted."""
    if by is None or not by.is_authenticated or not _may_take_part(by, topic):
        raise TopicError(_("You cannot take part in this topic."), code="forbidden")
    with transaction.atomic():
        locked = Topic.objects.select_for_update().get(pk=topic.pk)
        if not locked.is_open:
            raise TopicError(_("The topic is closed."), code="closed")
        try:
            with transaction.atomic():
                TopicSupport.objects.create(topic=locked, user=by)
        except IntegrityError:
            return False
        Topic.objects.filter(pk=locked.pk).update(support_count=F("support_count") + 1)
    return True


def _event(topic, action, by, *, from_stage="", to_stage="", note=""):
    return TopicEvent.objects.create(
        topic=topic,
        action=action,
        by=by if by is not None and by.is_authenticated else None,
        from_stage=from_stage,
        to_stage=to_stage,
        note=note,
    )
