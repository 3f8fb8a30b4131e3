"""Organisation services: the five-level party structure, the 1+3+N bodies and the 红色物业 joint body.

Every write of an Organization goes through here so the structure stays sound:

- the party tree 街道党工委 → 社区党组织 → 小区/网格党支部 → 楼栋党小组 → 党员中心户 is five levels, and
  each organisation sits under a parent of the level above and works inside its parent's area;
- a compound has one owners' committee or property management committee at a time;
- a public-welfare property company names the subdistrict, community or state-owned enterprise
  that runs it (依托街道、社区、国有企业领办);
- a compound's five-party joint body is created with all five seats at once, each held by an
  organisation of the right kind.

Errors are ValidationErrors with translated messages a clerk can act on. `by` is the user
making the change (None for system jobs such as imports and the demo builder); a user may only
change organisations inside their scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import (
    Building,
    Dwelling,
    Grid,
    JointBodySeat,
    Organization,
    OrgMembership,
    Ownership,
    Person,
    Region,
)
from .selectors import scope_for

Kind = Organization.Kind
Level = Region.Level

# ---------------------------------------------------------------------------------------------
# The five-level party structure, as a table: level → (kinds allowed, what it is attached to,
# the level of its parent). Level 1 has no parent in doorstep (its parent, the county party
# committee, is outside the compound-governance tree).

PARTY_LEVELS: dict[int, tuple[frozenset[str], str, int | None]] = {
    1: (frozenset({Kind.PARTY_WORKING_COMMITTEE}), gettext_lazy("subdistrict or town"), None),
    2: (
        frozenset({Kind.PARTY_COMMITTEE, Kind.PARTY_GENERAL_BRANCH, Kind.PARTY_BRANCH}),
        gettext_lazy("community"),
        1,
    ),
    # A large compound may have a general branch (小区党总支) instead of a branch.
    3: (frozenset({Kind.PARTY_BRANCH, Kind.PARTY_GENERAL_BRANCH}), gettext_lazy("compound or grid"), 2),
    4: (frozenset({Kind.PARTY_GROUP}), gettext_lazy("building"), 3),
    5: (frozenset({Kind.CENTER_HOUSEHOLD}), gettext_lazy("dwelling"), 4),
}

PARTY_LEVEL_NAMES = {
    1: gettext_lazy("subdistrict party working committees"),
    2: gettext_lazy("community party organisations"),
    3: gettext_lazy("compound and grid party branches"),
    4: gettext_lazy("building party groups"),
    5: gettext_lazy("party member center households"),
}

COMMITTEE_KINDS = frozenset({Kind.OWNERS_COMMITTEE, Kind.PROPERTY_MANAGEMENT_COMMITTEE})
# Kinds created by their own service below, not by create_organization.
_OWN_SERVICE_KINDS = Organization.PARTY_KINDS | COMMITTEE_KINDS | {Kind.PROPERTY_COMPANY, Kind.JOINT_BODY}

# MOHURD 《业主大会和业主委员会指导规则》 art. 31: 5 to 11 members, an odd number, terms of at most 5 years.
OWNERS_COMMITTEE_SIZES = range(5, 12, 2)
OWNERS_COMMITTEE_MAX_YEARS = 5
COMMITTEE_POSITIONS = frozenset(
    {OrgMembership.Position.DIRECTOR, OrgMembership.Position.DEPUTY_DIRECTOR, OrgMembership.Position.MEMBER}
)


def _check_scope(by, region: Region) -> None:
    if by is not None and not scope_for(by).covers_region(region.pk):
        raise PermissionDenied(_("You may only change organisations inside your own area."))


def _is_within(region: Region, ancestor_id: int) -> bool:
    """True when `region` is `ancestor_id` or lies below it (one recursive query)."""
    if region.pk == ancestor_id:
        return True
    return Region.objects.ancestors(region).filter(pk=ancestor_id).exists()


# ---------------------------------------------------------------------------------------------
# Party structure


def party_level(org: Organization) -> int | None:
    """The level (1–5) of a party organisation in the five-level structure; None if not a party body."""
    return _level_of(org.kind, org.grid_id is not None, org.region.level)


def _level_of(kind: str, on_grid: bool, region_level: int) -> int | None:
    if kind == Kind.PARTY_WORKING_COMMITTEE:
        return 1
    if kind == Kind.PARTY_GROUP:
        return 4
    if kind == Kind.CENTER_HOUSEHOLD:
        return 5
    if kind in (Kind.PARTY_COMMITTEE, Kind.PARTY_GENERAL_BRANCH, Kind.PARTY_BRANCH):
        if on_grid or region_level == Level.COMPOUND:
            return 3
        if region_level == Level.COMMUNITY:
            return 2
    return None


@transaction.atomic
def create_party_organization(
    name: str,
    kind: str,
    *,
    parent: Organization | None = None,
    region: Region | None = None,
    grid: Grid | None = None,
    building: Building | None = None,
    dwelling: Dwelling | None = None,
    secretary: Person | None = None,
    by=None,
) -> Organization:
    """Create a party organisation at its place in the five-level structure.

    Attach it to exactly one thing, which decides its level: a subdistrict or town (level 1,
    街道党工委), a community (2, 社区党组织), a compound or a grid (3, 小区/网格党支部), a building
    (4, 楼栋党小组) or a dwelling (5, 党员中心户). Levels 2–5 need a parent of the level above
    whose area contains the new organisation's place.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the organisation a name."), code="name")
    if kind not in Organization.PARTY_KINDS:
        raise ValidationError(_("This is not a kind of party organisation."), code="kind")
    attachments = [a for a in (region, grid, building, dwelling) if a is not None]
    if len(attachments) != 1:
        raise ValidationError(
            _(
                "Attach a party organisation to exactly one place: a region, a grid, a building or a dwelling."
            ),
            code="attachment",
        )

    level, place_region = _party_place(region, grid, building, dwelling)
    kinds, place_word, parent_level = PARTY_LEVELS[level]
    if kind not in kinds:
        raise ValidationError(
            _(
                "A %(kind)s cannot be attached to a %(place)s; it belongs at another level of the party structure."
            )
            % {"kind": Kind(kind).label, "place": place_word},
            code="level",
        )
    _check_scope(by, place_region)

    if parent_level is None:
        if parent is not None:
            raise ValidationError(
                _(
                    "A subdistrict party working committee is the top of the structure and has no parent here."
                ),
                code="parent",
            )
    else:
        if parent is None:
            raise ValidationError(
                _("A party organisation at this level needs a parent among the %(parent)s.")
                % {"parent": PARTY_LEVEL_NAMES[parent_level]},
                code="parent",
            )
        if party_level(parent) != parent_level:
            raise ValidationError(
                _("The parent must be one of the %(parent)s, the level just above.")
                % {"parent": PARTY_LEVEL_NAMES[parent_level]},
                code="parent",
            )
        _check_inside_parent(level, parent, place_region, grid, building, dwelling)

    same_place = Organization.objects.filter(kind__in=kinds)
    if level == 1 or level == 2:
        same_place = same_place.filter(region=place_region, grid__isnull=True)
    elif level == 3:
        same_place = (
            same_place.filter(grid=grid) if grid else same_place.filter(region=place_region, grid=None)
        )
    elif level == 4:
        same_place = same_place.filter(building=building)
    else:
        same_place = same_place.filter(dwelling=dwelling)
    if same_place.exists():
        raise ValidationError(
            _("This place already has its party organisation at this level: %(name)s.")
            % {"name": same_place.first().name},
            code="duplicate",
        )

    org = Organization.objects.create(
        name=name,
        kind=kind,
        parent=parent,
        region=place_region,
        grid=grid,
        building=building if building else (dwelling.building if dwelling else None),
        dwelling=dwelling,
    )
    if secretary is not None:
        OrgMembership.objects.create(
            organization=org, person=secretary, position=OrgMembership.Position.SECRETARY
        )
    return org


def _party_place(region, grid, building, dwelling) -> tuple[int, Region]:
    """The level a party organisation would have at this place, and the region it lies in."""
    if dwelling is not None:
        return 5, dwelling.building.compound
    if building is not None:
        return 4, building.compound
    if grid is not None:
        return 3, grid.community
    by_level = {Level.SUBDISTRICT: 1, Level.COMMUNITY: 2, Level.COMPOUND: 3}
    if region.level not in by_level:
        raise ValidationError(
            _(
                "Party organisations are attached to a subdistrict or town, a community, a compound, a grid, a building or a dwelling — not to a %(level)s."
            )
            % {"level": region.get_level_display()},
            code="attachment",
        )
    return by_level[region.level], region


def _check_inside_parent(level, parent: Organization, place_region: Region, grid, building, dwelling) -> None:
    outside = ValidationError(
        _("%(place)s lies outside the area of the parent organisation %(parent)s.")
        % {"place": str(dwelling or building or grid or place_region), "parent": parent.name},
        code="outside",
    )
    if level == 2 or (level == 3 and grid is None):
        if not _is_within(place_region, parent.region_id):
            raise outside
    elif level == 3:
        if grid.community_id != parent.region_id:
            raise outside
    elif level == 4:
        if parent.grid_id is not None:
            inside = parent.grid.compounds.filter(pk=building.compound_id).exists()
        else:
            inside = building.compound_id == parent.region_id
        if not inside:
            raise outside
    elif level == 5 and dwelling.building_id != parent.building_id:
        raise outside


@dataclass(frozen=True)
class PartyStructure:
    """How many party organisations of each level lie in a region's subtree."""

    region: Region
    counts: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def levels(self) -> list[tuple[int, str, int]]:
        """(level, name, count) for levels 1–5, in order, for display."""
        return [(lvl, str(PARTY_LEVEL_NAMES[lvl]), self.counts.get(lvl, 0)) for lvl in PARTY_LEVELS]


def party_structure(region: Region) -> PartyStructure:
    """Counts per level of the party structure in a region's subtree — one query at any size."""
    rows = (
        Organization.objects.filter(
            kind__in=Organization.PARTY_KINDS,
            region__in=Region.objects.descendants(region, include_self=True).values("pk"),
        )
        .annotate(
            on_grid=Case(
                When(grid__isnull=False, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .values("kind", "on_grid", "region__level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[int, int] = {}
    for row in rows:
        lvl = _level_of(row["kind"], row["on_grid"], row["region__level"])
        if lvl is not None:
            counts[lvl] = counts.get(lvl, 0) + row["n"]
    return PartyStructure(region=region, counts=counts)


# ---------------------------------------------------------------------------------------------
# Owners' committees and property management committees


def committee_on(compound: Region, on: date) -> Organization | None:
    """The owners' committee or property management committee in office on a day."""
    return (
        Organization.objects.filter(kind__in=COMMITTEE_KINDS, region=compound, term_start__lte=on)
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=on))
        .order_by("-term_start")
        .first()
    )


@transaction.atomic
def create_committee(
    compound: Region,
    *,
    members: Sequence[tuple[Person, str]],
    term_start: date,
    term_end: date,
    kind: str = Kind.OWNERS_COMMITTEE,
    name: str = "",
    by=None,
) -> Organization:
    """Record an elected owners' committee (业委会) or a formed property management committee (物管会).

    `members` are (person, position) pairs, position director / deputy_director / member, with
    exactly one director. An owners' committee has 5–11 members, an odd number, all owners in
    the compound, and a term of at most five years; a property management committee (formed by
    the subdistrict where owners have not elected one) has at least three members. A compound
    has one committee in office at a time: end the old one's term first (`end_committee`).
    """
    if compound.level != Level.COMPOUND:
        raise ValidationError(_("Committees are set up per compound."), code="compound")
    if kind not in COMMITTEE_KINDS:
        raise ValidationError(
            _("A committee is an owners' committee or a property management committee."), code="kind"
        )
    _check_scope(by, compound)
    if term_start is None or term_end is None or term_end <= term_start:
        raise ValidationError(_("The term must end after it starts."), code="term")
    if kind == Kind.OWNERS_COMMITTEE and term_end > add_years(term_start, OWNERS_COMMITTEE_MAX_YEARS):
        raise ValidationError(
            _("An owners' committee is elected for at most %(years)d years.")
            % {"years": OWNERS_COMMITTEE_MAX_YEARS},
            code="term",
        )
    _check_members(compound, kind, members)

    overlapping = (
        Organization.objects.select_for_update()
        .filter(kind__in=COMMITTEE_KINDS, region=compound, term_start__lte=term_end)
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=term_start))
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            _("%(name)s is in office until %(end)s; end its term before the new committee starts.")
            % {"name": overlapping.name, "end": overlapping.term_end or _("further notice")},
            code="overlap",
        )

    default_name = "业主委员会" if kind == Kind.OWNERS_COMMITTEE else "物业管理委员会"
    org = Organization.objects.create(
        name=(name or "").strip() or f"{compound.name}{default_name}",
        kind=kind,
        region=compound,
        term_start=term_start,
        term_end=term_end,
    )
    OrgMembership.objects.bulk_create(
        OrgMembership(
            organization=org, person=person, position=position, term_start=term_start, term_end=term_end
        )
        for person, position in members
    )
    return org


def add_years(day: date, years: int) -> date:
    """The same day `years` later (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _check_members(compound: Region, kind: str, members: Sequence[tuple[Person, str]]) -> None:
    count = len(members)
    if kind == Kind.OWNERS_COMMITTEE and count not in OWNERS_COMMITTEE_SIZES:
        raise ValidationError(
            _("An owners' committee has 5 to 11 members, an odd number; %(count)d were given.")
            % {"count": count},
            code="members",
        )
    if kind == Kind.PROPERTY_MANAGEMENT_COMMITTEE and count < 3:
        raise ValidationError(
            _("A property management committee has at least 3 members; %(count)d were given.")
            % {"count": count},
            code="members",
        )
    people = [p.pk for p, _pos in members]
    if len(set(people)) != count:
        raise ValidationError(_("A person can hold only one seat on the committee."), code="members")
    positions = [pos for _p, pos in members]
    if any(pos not in COMMITTEE_POSITIONS for pos in positions):
        raise ValidationError(
            _("Committee positions are director, deputy director or member."), code="positions"
        )
    if positions.count(OrgMembership.Position.DIRECTOR) != 1:
        raise ValidationError(_("A committee has exactly one director."), code="positions")
    if kind == Kind.OWNERS_COMMITTEE:
        owners = set(
            Ownership.objects.filter(
                person__in=people, ended_on__isnull=True, dwelling__building__compound=compound
            ).values_list("person_id", flat=True)
        )
        strangers = [p for p, _pos in members if p.pk not in owners]
        if strangers:
            raise ValidationError(
                _(
                    "Members of an owners' committee must be owners in the compound; %(names)s own nothing here."
                )
                % {"names": "、".join(p.masked_name for p in strangers)},
                code="not_owner",
            )


@transaction.atomic
def end_committee(committee: Organization, on: date, *, by=None) -> Organization:
    """End a committee's term on a day (换届 or dissolution); its members' seats end with it."""
    if committee.kind not in COMMITTEE_KINDS:
        raise ValidationError(_("Only a committee has a term to end."), code="kind")
    _check_scope(by, committee.region)
    if committee.term_start and on < committee.term_start:
        raise ValidationError(_("A term cannot end before it started."), code="term")
    if committee.term_end is not None and on > committee.term_end:
        raise ValidationError(
            _("The term already ended on %(end)s.") % {"end": committee.term_end}, code="term"
        )
    committee.term_end = on
    committee.save(update_fields=["term_end", "updated_at"])
    committee.memberships.filter(Q(term_end__isnull=True) | Q(term_end__gt=on)).update(term_end=on)
    return committee


# ---------------------------------------------------------------------------------------------
# Property companies and the N of 1+3+N

# Who may run a public-welfare property company: (kind, levels of the region it sits in).
SPONSORS: dict[str, frozenset[int]] = {
    Kind.DEPARTMENT: frozenset({Level.SUBDISTRICT}),  # 街道办事处 / 镇人民政府
    Kind.PARTY_WORKING_COMMITTEE: frozenset({Level.SUBDISTRICT}),
    Kind.RESIDENTS_COMMITTEE: frozenset({Level.COMMUNITY}),  # 社区居委会
    Kind.PARTY_COMMITTEE: frozenset({Level.COMMUNITY}),
    Kind.PARTY_GENERAL_BRANCH: frozenset({Level.COMMUNITY}),
    Kind.PARTY_BRANCH: frozenset({Level.COMMUNITY}),
    Kind.STATE_ENTERPRISE: frozenset(Level.values),
}

# Unified social credit code (GB 32100-2015): 18 characters, check character MOD 31.
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check(first17: str) -> str:
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def clean_credit_code(value: str) -> str:
    code = (value or "").strip().upper()
    if not code:
        return ""
    if len(code) != 18 or any(c not in _CREDIT_CHARS for c in code):
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters: digits and capital letters other than I, O, S, V and Z."
            ),
            code="credit_code",
        )
    if credit_code_check(code[:17]) != code[17]:
        raise ValidationError(
            _("The unified social credit code %(code)s has a wrong check character.") % {"code": code},
            code="credit_code",
        )
    return code


@transaction.atomic
def create_property_company(
    name: str,
    *,
    region: Region,
    mode: str,
    sponsor: Organization | None = None,
    credit_code: str = "",
    phone: str = "",
    by=None,
) -> Organization:
    """Register a property company: a market company, or a public-welfare one with its sponsor.

    The sponsor of a public-welfare company is a subdistrict (its office or party working
    committee), a community (its residents' committee or party organisation) or a state-owned
    enterprise. A market company has no sponsor.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the organisation a name."), code="name")
    if mode not in Organization.CompanyMode.values:
        raise ValidationError(_("A property company is a market or a public-welfare company."), code="mode")
    _check_scope(by, region)
    if mode == Organization.CompanyMode.PUBLIC_WELFARE:
        if sponsor is None:
            raise ValidationError(
                _(
                    "A public-welfare property company needs its sponsor: a subdistrict, a community or a state-owned enterprise."
                ),
                code="sponsor",
            )
        if sponsor.region.level not in SPONSORS.get(sponsor.kind, ()):
            raise ValidationError(
                _(
                    "%(name)s cannot sponsor a public-welfare property company: the sponsor must be a subdistrict, a community or a state-owned enterprise."
                )
                % {"name": sponsor.name},
                code="sponsor",
            )
    elif sponsor is not None:
        raise ValidationError(_("A market property company has no sponsor."), code="sponsor")
    return Organization.objects.create(
        name=name,
        kind=Kind.PROPERTY_COMPANY,
        region=region,
        company_mode=mode,
        sponsor=sponsor,
        credit_code=clean_credit_code(credit_code),
        phone=(phone or "").strip(),
    )


@transaction.atomic
def create_organization(
    name: str,
    kind: str,
    *,
    region: Region,
    parent: Organization | None = None,
    grid: Grid | None = None,
    credit_code: str = "",
    phone: str = "",
    by=None,
) -> Organization:
    """Create one of the N of 1+3+N: a co-building unit (共建单位), resident unit (驻在单位),
    volunteer organisation, new-employment platform or station, department, developer, or a
    sponsor body (residents' committee, state-owned enterprise).

    A delivery station may name the platform it belongs to as its parent. Party organisations,
    committees, property companies and joint bodies have their own services.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the organisation a name."), code="name")
    if kind not in Kind.values:
        raise ValidationError(_("Unknown kind of organisation."), code="kind")
    if kind in _OWN_SERVICE_KINDS:
        raise ValidationError(
            _("A %(kind)s is created with its own form, which checks its special rules.")
            % {"kind": Kind(kind).label},
            code="kind",
        )
    _check_scope(by, region)
    if kind == Kind.RESIDENTS_COMMITTEE and region.level != Level.COMMUNITY:
        raise ValidationError(_("A residents' committee belongs to a community."), code="region")
    if grid is not None and grid.community_id != region.pk:
        raise ValidationError(_("The grid must lie in the organisation's community."), code="grid")
    if parent is not None:
        if kind == Kind.STATION and parent.kind != Kind.PLATFORM:
            raise ValidationError(_("A delivery station's parent must be its platform."), code="parent")
        if parent.is_party:
            raise ValidationError(
                _("Only party organisations sit under a party organisation."), code="parent"
            )
    return Organization.objects.create(
        name=name,
        kind=kind,
        region=region,
        parent=parent,
        grid=grid,
        credit_code=clean_credit_code(credit_code),
        phone=(phone or "").strip(),
    )


# ---------------------------------------------------------------------------------------------
# 红色物业 five-party joint body

Seat = JointBodySeat.Seat


def _seat_kind_ok(seat: str, org: Organization, compound: Region) -> bool:
    if seat == Seat.PARTY:
        return party_level(org) == 2 and _is_within(compound, org.region_id)
    if seat == Seat.PROPERTY_COMPANY:
        return org.kind == Kind.PROPERTY_COMPANY
    if seat == Seat.OWNERS_COMMITTEE:
        return org.kind in COMMITTEE_KINDS and org.region_id == compound.pk
    if seat == Seat.CO_BUILDING_UNIT:
        return org.kind == Kind.CO_BUILDING_UNIT
    return False


_SEAT_RULES = {
    Seat.PARTY: gettext_lazy("the party organisation of the compound's community"),
    Seat.PROPERTY_COMPANY: gettext_lazy("a property company"),
    Seat.OWNERS_COMMITTEE: gettext_lazy("the compound's owners' committee or property management committee"),
    Seat.CO_BUILDING_UNIT: gettext_lazy("a co-building unit"),
}


def joint_body_of(compound: Region) -> Organization | None:
    return Organization.objects.filter(kind=Kind.JOINT_BODY, region=compound).first()


@transaction.atomic
def create_joint_body(
    compound: Region,
    *,
    party: Organization,
    property_company: Organization,
    owners_committee: Organization,
    co_building_unit: Organization,
    residents: Person,
    representatives: dict[str, Person] | None = None,
    name: str = "",
    by=None,
) -> Organization:
    """Set up a compound's 红色物业 five-party joint meeting with its five seats at once.

    Seats: the community party organisation, the property company, the owners' committee (or
    property management committee), a co-building unit, and the resident representatives —
    the last held by a person who lives or owns in the compound. `representatives` names who
    sits for each organisation, by seat.
    """
    if compound.level != Level.COMPOUND:
        raise ValidationError(_("A five-party joint body belongs to a compound."), code="compound")
    _check_scope(by, compound)
    if joint_body_of(compound) is not None:
        raise ValidationError(_("This compound already has its five-party joint body."), code="duplicate")
    holders = {
        Seat.PARTY: party,
        Seat.PROPERTY_COMPANY: property_company,
        Seat.OWNERS_COMMITTEE: owners_committee,
        Seat.CO_BUILDING_UNIT: co_building_unit,
    }
    for seat, org in holders.items():
        if org is None or not _seat_kind_ok(seat, org, compound):
            raise ValidationError(
                _("The %(seat)s seat must be held by %(rule)s.")
                % {"seat": Seat(seat).label, "rule": _SEAT_RULES[seat]},
                code="seat",
            )
    if residents is None or not _lives_or_owns_in(residents, compound):
        raise ValidationError(
            _("The resident representatives' seat is held by a person who lives or owns in the compound."),
            code="seat",
        )
    representatives = dict(representatives or {})
    unknown = set(representatives) - set(Seat.values)
    if unknown:
        raise ValidationError(
            _("Unknown seat: %(seat)s.") % {"seat": ", ".join(sorted(unknown))}, code="seat"
        )

    body = Organization.objects.create(
        name=(name or "").strip() or f"{compound.name}红色物业五方联席会",
        kind=Kind.JOINT_BODY,
        region=compound,
    )
    JointBodySeat.objects.bulk_create(
        [
            *(
                JointBodySeat(
                    body=body, seat=seat, organization=org, representative=representatives.get(seat)
                )
                for seat, org in holders.items()
            ),
            JointBodySeat(body=body, seat=Seat.RESIDENTS, organization=None, representative=residents),
        ]
    )
    return body


def _lives_or_owns_in(person: Person, compound: Region) -> bool:
    if person.home_region_id == compound.pk:
        return True
    return Ownership.objects.filter(
        person=person, ended_on__isnull=True, dwelling__building__compound=compound
    ).exists()
