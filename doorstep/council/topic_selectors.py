"""Scoped reads of topics. Every read takes the user.

Staff see the topics of their region's subtree. A resident sees a topic when its scope concerns
them: the community or compound they live in, or the building or stairwell unit of a dwelling
they own or live in as a member of its household. Anyone else sees nothing.
"""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from doorstep.territory.models import Dwelling, Region
from doorstep.territory.selectors import scope_for

from .topic_models import Topic, TopicPost, TopicSupport
from .topics import DESK_KINDS

L = Topic.ScopeLevel


@dataclass
class Places:
    """Where a resident lives or owns: the keys topics' scopes are matched against."""

    communities: set[int] = field(default_factory=set)
    compounds: set[int] = field(default_factory=set)
    buildings: set[int] = field(default_factory=set)
    stairwells: set[tuple[int, int]] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not (self.communities or self.compounds)


def resident_places(user) -> Places:
    """Two queries: the person's home region, and the dwellings they own or live in."""
    places = Places()
    if user is None or not user.is_authenticated:
        return places
    cached = getattr(user, "_doorstep_places", None)
    if cached is not None:
        return cached
    today = timezone.localdate()
    home = (
        Region.objects.filter(residents__user=user, residents__anonymised_at__isnull=True)
        .values_list("pk", "level", "parent_id")
        .first()
    )
    if home is not None:
        pk, level, parent = home
        if level == Region.Level.COMMUNITY:
            places.communities.add(pk)
        elif level == Region.Level.COMPOUND:
            places.compounds.add(pk)
            places.communities.add(parent)
    owned = Q(
        ownerships__person__user=user,
        ownerships__organization__isnull=True,
    ) & (Q(ownerships__ended_on__isnull=True) | Q(ownerships__ended_on__gt=today))
    lives = Q(households__members__person__user=user) & (
        Q(households__moved_out_on__isnull=True) | Q(households__moved_out_on__gt=today)
    )
    rows = (
        Dwelling.objects.filter(owned | lives)
        .values_list(
            "building_id", "stairwell_unit", "building__compound_id", "building__compound__parent_id"
        )
        .distinct()
    )
    for building, unit, compound, community in rows:
        places.buildings.add(building)
        places.stairwells.add((building, unit))
        places.compounds.add(compound)
        places.communities.add(community)
    user._doorstep_places = places
    return places


def _resident_q(places: Places) -> Q:
    if places.empty:
        return Q(pk__in=[])
    q = Q(scope_level=L.COMMUNITY, region_id__in=sorted(places.communities)) | Q(
        scope_level=L.COMPOUND, region_id__in=sorted(places.compounds)
    )
    if places.buildings:
        q |= Q(scope_level=L.BUILDING, building_id__in=sorted(places.buildings))
    for building, unit in sorted(places.stairwells):
        q |= Q(scope_level=L.STAIRWELL, building_id=building, stairwell_unit=unit)
    return q


def topics_visible(user) -> QuerySet[Topic]:
    """Topics this user may read and take part in (post, support)."""
    if user is None or not user.is_authenticated:
        return Topic.objects.none()
    if user.is_superuser:
        return Topic.objects.all()
    scope = scope_for(user)
    q = _resident_q(resident_places(user))
    if not scope.is_empty:
        q |= scope.q("region")
    return Topic.objects.filter(q)


def topics_near_me(user) -> QuerySet[Topic]:
    """The resident's list: topics where they live (staff scope left out), open ones first."""
    if user is None or not user.is_authenticated:
        return Topic.objects.none()
    return Topic.objects.filter(_resident_q(resident_places(user)))


def topics_managed(user) -> QuerySet[Topic]:
    """Topics in the user's staff scope (any staff role reads them; who may act is in topics.py)."""
    if user is None or not user.is_authenticated:
        return Topic.objects.none()
    if user.is_superuser:
        return Topic.objects.all()
    scope = scope_for(user)
    if scope.is_empty:
        return Topic.objects.none()
    return scope.filter(Topic.objects.all(), "region")


def hard_demands_waiting(user):
    """Demands triaged as hard matters in the desk's scope that are not yet topics."""
    from doorstep.demands.models import Demand

    qs = Demand.objects.filter(triage=Demand.Triage.HARD, topic__isnull=True)
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    scope = scope_for(user)
    if not scope.role_kinds & DESK_KINDS:
        return qs.none()
    return scope.filter(qs, "region")


def posts(topic: Topic) -> list[TopicPost]:
    return list(TopicPost.objects.filter(topic=topic).order_by("at", "id"))


def has_supported(topic: Topic, user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return TopicSupport.objects.filter(topic=topic, user=user).exists()


def stage_path(topic: Topic) -> list[dict]:
    """The progress line: every stage on the way, done / current / to come."""
    from .topics import PATH

    if topic.stage == Topic.Stage.CLOSED:
        return [{"stage": Topic.Stage.CLOSED, "label": Topic.Stage.CLOSED.label, "state": "current"}]
    current = PATH.index(topic.stage)
    return [
        {
            "stage": s,
            "label": Topic.Stage(s).label,
            "state": "done" if i < current else "current" if i == current else "todo",
        }
        for i, s in enumerate(PATH)
    ]
