"""Scoped reads of the territory. Every function that returns rows takes the user."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.http import Http404
from django.utils import timezone

from doorstep.core.ids import normalize_id_number
from doorstep.core.phones import normalize_phone
from doorstep.core.pii import lookup_hash
from doorstep.core.scoping import EVERYTHING, NOTHING, Scope

from .models import (
    Building,
    DepartmentContact,
    Dwelling,
    Grid,
    GridMember,
    JointBodySeat,
    Organization,
    OrgMembership,
    Person,
    PropertyService,
    Region,
    Role,
)

_CACHE_ATTR = "_doorstep_scope"


def subtree_ids(region: Region | int) -> set[int]:
    """The ids of a region and everything below it (one recursive query)."""
    pk = region.pk if isinstance(region, Region) else region
    return set(Region.objects.descendants(pk, include_self=True).values_list("pk", flat=True))


def scope_for(user) -> Scope:
    """The scope of a user's active roles, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return NOTHING
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = EVERYTHING
    else:
        roles = list(Role.objects.filter(user=user, active=True).select_related("region"))
        region_ids: set[int] = set()
        everything = False
        for role in roles:
            if role.region.parent_id is None:
                everything = True
                break
            region_ids |= subtree_ids(role.region)
        scope = Scope(
            everything=everything,
            region_ids=frozenset(region_ids),
            organization_ids=frozenset(r.organization_id for r in roles if r.organization_id),
            role_kinds=frozenset(r.kind for r in roles),
        )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def regions_visible(user) -> QuerySet[Region]:
    return scope_for(user).filter(Region.objects.all(), "pk")


def grids_visible(user) -> QuerySet[Grid]:
    return scope_for(user).filter(Grid.objects.all(), "community")


def people_visible(user) -> QuerySet[Person]:
    return scope_for(user).filter(Person.objects.filter(anonymised_at__isnull=True), "home_region")


def region_children_with_counts(user, parent: Region | None) -> QuerySet[Region]:
    """Children of a region (or the roots) visible to the user, with counts for drill-down."""
    scope = scope_for(user)
    qs = regions_visible(user)
    if parent is not None:
        qs = qs.filter(parent=parent)
    elif scope.everything:
        qs = qs.filter(parent__isnull=True)
    else:
        # The tops of the user's scope: visible regions whose parent is not visible.
        qs = qs.exclude(parent__in=sorted(scope.region_ids))
    return qs.annotate(child_count=Count("children", distinct=True)).order_by("code")


# --- Console reads: the tree with counts, compound and grid pages, person search -------------


@dataclass
class RegionRow:
    """One row of the territory tree: a region and the figures of its whole subtree."""

    region: Region
    sub_regions: int = 0
    compounds: int = 0
    grids: int = 0
    buildings: int = 0
    dwellings: int = 0
    residents: int = 0
    old_compounds: int = 0
    covered_old_compounds: int = 0

    @property
    def coverage_rate(self) -> Decimal | None:
        """Share of old compounds with property service, in percent (None: no old compound)."""
        if not self.old_compounds:
            return None
        rate = Decimal(100) * self.covered_old_compounds / self.old_compounds
        return rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_ROW_FIELDS = ("name", "level", "kind", "code", "code_is_official", "is_old_compound", "parent")


def region_in_scope(user, pk: int, *, level: int | None = None) -> Region:
    """A region the user may see, with its tree path; Http404 otherwise (never 403: no leaks)."""
    qs = regions_visible(user).with_tree_fields().defer("boundary")
    if level is not None:
        qs = qs.filter(level=level)
    try:
        return qs.get(pk=pk)
    except Region.DoesNotExist:
        raise Http404 from None


def breadcrumbs(user, region: Region) -> list[Region]:
    """The visible ancestors of a region (from the top of the user's scope), then the region."""
    path = list(region.tree_path)
    if not path:
        return [region]
    scope = scope_for(user)
    ids = [pk for pk in path[:-1] if scope.covers_region(pk)]
    found = {r.pk: r for r in Region.objects.filter(pk__in=ids).only("name", "level", "code")}
    return [found[pk] for pk in ids if pk in found] + [region]


def tree_rows(user, parent: Region | None, on: date | None = None) -> list[RegionRow]:
    """The children of `parent` (or the tops of the user's scope) with subtree counts.

    The number of queries does not depend on the size of the tree: one recursive query reads
    the subtree with each node's path, then one grouped query per figure; the figures are
    summed up to the displayed rows in Python.
    """
    on = on or timezone.localdate()
    scope = scope_for(user)
    if scope.is_empty:
        return []
    nodes = Region.objects.with_tree_fields().only(*_ROW_FIELDS)
    if parent is not None:
        nodes = nodes.filter(tree_path__contains=parent.pk).exclude(pk=parent.pk)
        subtree = Q(pk__in=Region.objects.descendants(parent).values("pk"))
    else:
        nodes = scope.filter(nodes, "pk")
        subtree = scope.q("pk")
    nodes = list(nodes)
    if not nodes:
        return []

    # Map every node to the displayed row it belongs to.
    if parent is not None:
        tops = [n for n in nodes if n.parent_id == parent.pk]
    else:
        ids = {n.pk for n in nodes}
        tops = [n for n in nodes if n.parent_id not in ids]
    rows = {n.pk: RegionRow(region=n) for n in tops}
    owner: dict[int, int] = {}
    for n in nodes:
        top = next((pk for pk in n.tree_path if pk in rows), None)
        if top is not None:
            owner[n.pk] = top
    for n in nodes:
        if n.parent_id in rows:
            rows[n.parent_id].sub_regions += 1
        row = rows.get(owner.get(n.pk))
        if row is not None and n.level == Region.Level.COMPOUND:
            row.compounds += 1
            row.old_compounds += n.is_old_compound

    def add(counts, field: str, attr: str) -> None:
        for region_id, n in counts.values_list(field).annotate(n=Count("pk")).order_by():
            row = rows.get(owner.get(region_id))
            if row is not None:
                setattr(row, attr, getattr(row, attr) + n)

    in_subtree = Region.objects.filter(subtree).values("pk")
    add(Building.objects.filter(compound__in=in_subtree), "compound", "buildings")
    add(Dwelling.objects.filter(building__compound__in=in_subtree), "building__compound", "dwellings")
    add(
        Person.objects.filter(home_region__in=in_subtree, anonymised_at__isnull=True),
        "home_region",
        "residents",
    )
    add(Grid.objects.filter(community__in=in_subtree), "community", "grids")
    compound_rows = [r for r in rows.values() if r.region.level == Region.Level.COMPOUND]
    if compound_rows:
        # A compound has no community below it: count the grids that cover it instead.
        add(
            Grid.compounds.through.objects.filter(region__in=[r.region.pk for r in compound_rows]),
            "region",
            "grids",
        )
    # The same rule as territory.property.coverage: the mode of the service period that started
    # last among those running that day; anything but "none" covers the compound.
    covered = (
        Region.objects.filter(subtree, level=Region.Level.COMPOUND, is_old_compound=True)
        .annotate(mode_on=mode_on(on))
        .filter(mode_on__in=COVERED_MODES)
        .values_list("pk", flat=True)
    )
    for compound_id in covered:
        row = rows.get(owner.get(compound_id))
        if row is not None:
            row.covered_old_compounds += 1
    return sorted(rows.values(), key=lambda r: r.region.code)


COVERED_MODES = (
    PropertyService.Mode.MARKET,
    PropertyService.Mode.PUBLIC_WELFARE,
    PropertyService.Mode.SELF_MANAGED,
)


def mode_on(on: date) -> Subquery:
    """A compound's property-service mode on a day (None when no period runs that day)."""
    return Subquery(
        PropertyService.objects.filter(compound=OuterRef("pk"), start__lte=on)
        .filter(Q(end__isnull=True) | Q(end__gte=on))
        .order_by("-start")
        .values("mode")[:1]
    )


# --- Person search ----------------------------------------------------------------------------

SEARCH_LIMIT = 50
_ID_SHAPE = re.compile(r"^[\dXx\s\-]{15,22}$")
_PHONE_SHAPE = re.compile(r"^\+?[\d\s\-.()]{7,20}$")


@dataclass(frozen=True)
class PersonQuery:
    """What was typed into the search box, read as a name, a phone or an ID number."""

    kind: str  # "name", "phone" or "id_number"
    value: str  # the normalised value ("" when it could not be normalised)
    error: str = ""  # why a phone or ID number could not be read


def read_person_query(text: str, by: str = "auto") -> PersonQuery:
    """Normalise the search text; with by="auto", guess from its shape."""
    text = unicodedata.normalize("NFKC", (text or "").strip())
    if by == "auto":
        digits = re.sub(r"[\s\-]", "", text)
        if _ID_SHAPE.match(text) and len(digits) in (15, 18):
            by = "id_number"
        elif _PHONE_SHAPE.match(text):
            by = "phone"
        else:
            by = "name"
    try:
        if by == "id_number":
            return PersonQuery(by, normalize_id_number(text))
        if by == "phone":
            return PersonQuery(by, normalize_phone(text))
    except ValidationError as exc:
        return PersonQuery(by, "", " ".join(exc.messages))
    return PersonQuery("name", text)


def search_people(user, query: PersonQuery) -> QuerySet[Person]:
    """People in the user's scope matching a name (part of it), a phone or an ID number.

    Phones match on the normalised 11 digits; ID numbers match exactly through their keyed
    hash, so the encrypted column is never scanned or decrypted for the search.
    """
    people = people_visible(user).select_related("home_region", "home_region__parent")
    if not query.value:
        return people.none()
    if query.kind == "id_number":
        people = people.filter(id_number_hash=lookup_hash(query.value))
    elif query.kind == "phone":
        people = people.filter(phone=query.value)
    else:
        people = people.filter(name__contains=query.value)
    return people.order_by("name", "pk")[:SEARCH_LIMIT]


# --- Compound and grid pages ------------------------------------------------------------------

PARTY_ORDER = [
    Organization.Kind.PARTY_BRANCH,
    Organization.Kind.PARTY_GENERAL_BRANCH,
    Organization.Kind.PARTY_COMMITTEE,
    Organization.Kind.PARTY_GROUP,
    Organization.Kind.CENTER_HOUSEHOLD,
]
COMMITTEE_KINDS = [Organization.Kind.OWNERS_COMMITTEE, Organization.Kind.PROPERTY_MANAGEMENT_COMMITTEE]


@dataclass
class SeatView:
    seat: str
    label: str
    holder: JointBodySeat | None


@dataclass
class CompoundPage:
    """Everything the compound page and the public card show, read in a fixed number of queries."""

    compound: Region
    buildings: list[Building]
    grids: list[Grid]
    organizations: list[Organization]
    services: list[PropertyService]
    current_service: PropertyService | None
    joint_body: Organization | None
    seats: list[SeatView]
    contacts: list[DepartmentContact]

    @property
    def party_orgs(self) -> list[Organization]:
        order = {k: i for i, k in enumerate(PARTY_ORDER)}
        party = [o for o in self.organizations if o.kind in order]
        return sorted(party, key=lambda o: (order[o.kind], o.name))

    @property
    def committees(self) -> list[Organization]:
        return [o for o in self.organizations if o.kind in COMMITTEE_KINDS]

    @property
    def property_companies(self) -> list[Organization]:
        """The company serving now first, then any other company based at the compound."""
        seen: list[Organization] = []
        if self.current_service and self.current_service.company:
            seen.append(self.current_service.company)
        for o in self.organizations:
            if o.kind == Organization.Kind.PROPERTY_COMPANY and all(o.pk != s.pk for s in seen):
                seen.append(o)
        return seen

    @property
    def other_orgs(self) -> list[Organization]:
        shown = set(PARTY_ORDER) | set(COMMITTEE_KINDS)
        shown |= {Organization.Kind.PROPERTY_COMPANY, Organization.Kind.JOINT_BODY}
        return [o for o in self.organizations if o.kind not in shown]

    @property
    def dwelling_count(self) -> int:
        return sum(b.dwelling_count for b in self.buildings)


def _members_prefetch() -> Prefetch:
    return Prefetch(
        "members",
        queryset=GridMember.objects.select_related("person").order_by(
            Case(
                When(position=GridMember.Position.LEADER, then=0),
                When(position=GridMember.Position.WORKER, then=1),
                default=2,
            ),
            "person__name",
        ),
    )


def compound_page(compound: Region, on: date | None = None) -> CompoundPage:
    """Read a compound's page. The caller has checked scope (or it is the public card)."""
    on = on or timezone.localdate()
    buildings = list(compound.buildings.annotate(dwelling_count=Count("dwellings")).order_by("number"))
    grids = list(
        Grid.objects.filter(Q(compounds=compound))
        .distinct()
        .prefetch_related(_members_prefetch())
        .order_by("code")
    )
    organizations = list(
        Organization.objects.filter(region=compound)
        .select_related("building", "sponsor")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=OrgMembership.objects.select_related("person").order_by("position", "pk"),
            ),
            Prefetch(
                "seats",
                queryset=JointBodySeat.objects.select_related("organization", "representative"),
            ),
        )
    )
    services = list(
        compound.property_services.select_related("company", "company__sponsor").order_by("-start")
    )
    current = next(
        (s for s in services if s.start <= on and (s.end is None or s.end >= on)),
        None,
    )
    joint_body = next((o for o in organizations if o.kind == Organization.Kind.JOINT_BODY), None)
    held = {s.seat: s for s in joint_body.seats.all()} if joint_body else {}
    seats = [SeatView(value, label, held.get(value)) for value, label in JointBodySeat.Seat.choices]
    contacts = list(
        DepartmentContact.objects.filter(
            Q(compound=compound) | Q(grid__in=[g.pk for g in grids]), is_public=True
        )
        .select_related("department", "grid")
        .order_by("department__name", "name")
    )
    return CompoundPage(
        compound=compound,
        buildings=buildings,
        grids=grids,
        organizations=organizations,
        services=services,
        current_service=current,
        joint_body=joint_body,
        seats=seats,
        contacts=contacts,
    )


def compound_by_code(code: str) -> Region:
    """A compound by its code, for the public card (no login, no scope); Http404 otherwise."""
    try:
        return Region.objects.with_tree_fields().get(code=code, level=Region.Level.COMPOUND)
    except Region.DoesNotExist:
        raise Http404 from None


def grid_in_scope(user, pk: int) -> Grid:
    try:
        return (
            grids_visible(user)
            .select_related("community", "community__parent")
            .prefetch_related(_members_prefetch())
            .get(pk=pk)
        )
    except Grid.DoesNotExist:
        raise Http404 from None


def grid_compounds(grid: Grid) -> list[Region]:
    return list(
        grid.compounds.annotate(building_count=Count("buildings", distinct=True))
        .defer("boundary")
        .order_by("code")
    )


def grid_contacts(grid: Grid) -> list[DepartmentContact]:
    return list(
        DepartmentContact.objects.filter(grid=grid, is_public=True)
        .select_related("department", "compound")
        .order_by("department__name", "name")
    )


def community_grids(community: Region) -> list[Grid]:
    """Grids of a community for the tree page, with their workers (masked on the page)."""
    return list(
        Grid.objects.filter(community=community)
        .annotate(compound_count=Count("compounds", distinct=True))
        .prefetch_related(_members_prefetch())
        .order_by("code")
    )


def public_compounds(query: str = "", limit: int = 30) -> list[Region]:
    """Compounds anyone may look up (their public cards hold no personal data): the model
    compounds first, or those whose name contains `query`."""
    qs = Region.objects.filter(level=Region.Level.COMPOUND).select_related("parent__parent__parent")
    query = query.strip()
    if query:
        qs = qs.filter(name__icontains=query).order_by("name")
    else:
        qs = qs.filter(is_model_compound=True).order_by("code")
    return list(qs[:limit])
