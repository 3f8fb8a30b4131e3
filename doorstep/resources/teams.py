"""Party members and volunteers: reporting to the home community (双报到) and volunteer teams.

Writes check who acts: staff of the community upwards found and run teams in their area; a
person joins a team or reports to a community for themselves. Joining twice is refused (also by
a partial unique constraint, for two requests at once); leaving dates the membership.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.territory.models import PartyMembership, Person, Region
from doorstep.territory.people.selectors import scope_for_kinds

from .points import LEDGER_KINDS, LEDGER_READ_KINDS
from .team_models import TeamMember, VolunteerTeam

TEAM_LEVELS = (Region.Level.COMMUNITY, Region.Level.COMPOUND)


def _check_scope(by, region_id: int | None) -> None:
    if not scope_for_kinds(by, LEDGER_KINDS).covers_region(region_id):
        raise PermissionDenied(_("You may not manage volunteer teams outside your area."))


def _own_person(by) -> Person:
    person = (
        Person.objects.filter(user=by, anonymised_at__isnull=True).first()
        if by is not None and by.is_authenticated
        else None
    )
    if person is None:
        raise PermissionDenied(_("Your login is not linked to a person: ask your community."))
    return person


def team_create(
    by, *, name: str, kind: str, region, convener: Person | None = None, founded_on=None
) -> VolunteerTeam:
    region = (
        region if isinstance(region, Region) else Region.objects.filter(pk=region).defer("boundary").first()
    )
    _check_scope(by, region.pk if region else None)
    name = (name or "").strip()[:64]
    errors = {}
    if not name:
        errors["name"] = [_("Enter the team's name.")]
    if kind not in VolunteerTeam.Kind.values:
        errors["kind"] = [_("Choose the kind of team.")]
    if region.level not in TEAM_LEVELS:
        errors["region"] = [_("A team belongs to a community or a compound.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            team = VolunteerTeam.objects.create(
                name=name,
                kind=kind,
                region=region,
                founded_on=founded_on or timezone.localdate(),
                created_by=by,
            )
            if convener is not None:
                _join(team, convener, by)
                team.convener = convener
                team.save(update_fields=["convener", "updated_at"])
    except IntegrityError:
        raise ValidationError({"name": [_("This area already has a team of that name.")]}) from None
    return team


def _join(team: VolunteerTeam, person: Person, by, on: date | None = None) -> TeamMember:
    if team.dissolved_on:
        raise ValidationError(_("This team has been dissolved."))
    if TeamMember.objects.filter(team=team, person=person, left_on__isnull=True).exists():
        raise ValidationError(_("Already a member of this team."))
    try:
        with transaction.atomic():
            return TeamMember.objects.create(
                team=team, person=person, joined_on=on or timezone.localdate(), added_by=by
            )
    except IntegrityError:
        raise ValidationError(_("Already a member of this team.")) from None


def team_join(by, team: VolunteerTeam, person: Person | None = None, on: date | None = None) -> TeamMember:
    """Join a team: oneself (no `person`), or staff over the team's area add a person."""
    if person is None:
        person = _own_person(by)
    elif not (by is not None and person.user_id == by.pk):
        _check_scope(by, team.region_id)
    return _join(team, person, by, on)


@transaction.atomic
def team_leave(by, member: TeamMember, on: date | None = None) -> TeamMember:
    member = TeamMember.objects.select_for_update().select_related("person", "team").get(pk=member.pk)
    if member.person.user_id != getattr(by, "pk", None):
        _check_scope(by, member.team.region_id)
    if member.left_on:
        raise ValidationError(_("Already left this team."))
    member.left_on = on or timezone.localdate()
    member.save(update_fields=["left_on"])
    if member.team.convener_id == member.person_id:
        VolunteerTeam.objects.filter(pk=member.team_id).update(convener=None)
    return member


@transaction.atomic
def set_convener(by, team: VolunteerTeam, person: Person) -> VolunteerTeam:
    team = VolunteerTeam.objects.select_for_update().get(pk=team.pk)
    _check_scope(by, team.region_id)
    if not TeamMember.objects.filter(team=team, person=person, left_on__isnull=True).exists():
        raise ValidationError({"convener": [_("The convener must be a member of the team.")]})
    team.convener = person
    team.save(update_fields=["convener", "updated_at"])
    return team


@transaction.atomic
def report_to_community(by, community: Region, on: date | None = None) -> PartyMembership:
    """双报到: an in-service party member reports to the community they live in, for themselves."""
    person = _own_person(by)
    membership = PartyMembership.objects.select_for_update().filter(person=person).first()
    if membership is None:
        raise ValidationError(_("Only party members report to a community; ask your party branch."))
    if community.level != Region.Level.COMMUNITY:
        raise ValidationError({"community": [_("Members report to a community.")]})
    membership.reports_to = community
    membership.reported_on = on or timezone.localdate()
    membership.save(update_fields=["reports_to", "reported_on", "updated_at"])
    return membership


# --- reads ---------------------------------------------------------------------------------------


def _active(on: date) -> Q:
    return Q(founded_on__lte=on) & (Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on))


def teams_visible(user) -> QuerySet[VolunteerTeam]:
    """Teams of the user's area with their current member counts (one query)."""
    members = (
        TeamMember.objects.filter(team=OuterRef("pk"), left_on__isnull=True)
        .order_by()
        .values("team")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        scope_for_kinds(user, LEDGER_READ_KINDS)
        .filter(VolunteerTeam.objects.all())
        .select_related("region", "convener")
        .defer("region__boundary")
        .annotate(member_count=Coalesce(Subquery(members, output_field=IntegerField()), Value(0)))
    )


def teams_to_join(person: Person) -> QuerySet[VolunteerTeam]:
    """Open teams of the community the person reports to or lives in (and its compounds)."""
    community_ids = set()
    membership = PartyMembership.objects.filter(person=person).only("reports_to_id").first()
    if membership and membership.reports_to_id:
        community_ids.add(membership.reports_to_id)
    if person.home_region_id:
        home = Region.objects.filter(pk=person.home_region_id).only("level", "parent_id").first()
        community_ids.add(home.parent_id if home.level == Region.Level.COMPOUND else home.pk)
    return (
        VolunteerTeam.objects.filter(
            Q(region__in=community_ids) | Q(region__parent__in=community_ids), _active(timezone.localdate())
        )
        .select_related("region")
        .defer("region__boundary")
    )


@dataclass(frozen=True)
class LedgerMember:
    """Someone the ledger keeper may credit: a rider of the area or a member of one of its teams."""

    key: str  # "r<rider id>" or "t<membership id>"
    person: Person
    region_id: int
    team: str
    label: str


def ledger_members(user, limit: int = 400) -> list[LedgerMember]:
    """Riders and current team members of the user's area, for the ledger's forms (two queries)."""
    from .riders import riders_visible

    out = [
        LedgerMember(
            f"r{r.pk}", r.person, r.region_id, r.team, f"{r.person.masked_name} · {r.get_kind_display()}"
        )
        for r in riders_visible(user).order_by("person__name")[:limit]
    ]
    members = (
        scope_for_kinds(user, LEDGER_READ_KINDS)
        .filter(TeamMember.objects.filter(left_on__isnull=True), "team__region")
        .select_related("person", "team")
        .order_by("person__name", "pk")[:limit]
    )
    out += [
        LedgerMember(
            f"t{m.pk}", m.person, m.team.region_id, m.team.name, f"{m.person.masked_name} · {m.team.name}"
        )
        for m in members
    ]
    return out


def ledger_member(user, key: str) -> LedgerMember:
    """One entry of ledger_members by its key; Http404 outside the user's area."""
    from django.http import Http404

    from .riders import rider_for_staff

    key = str(key or "")
    if key[:1] == "r" and key[1:].isdigit():
        r = rider_for_staff(user, int(key[1:]))
        return LedgerMember(key, r.person, r.region_id, r.team, r.person.masked_name)
    if key[:1] == "t" and key[1:].isdigit():
        m = (
            scope_for_kinds(user, LEDGER_READ_KINDS)
            .filter(TeamMember.objects.filter(pk=int(key[1:]), left_on__isnull=True), "team__region")
            .select_related("person", "team")
            .first()
        )
        if m is not None:
            return LedgerMember(key, m.person, m.team.region_id, m.team.name, m.person.masked_name)
    raise Http404
