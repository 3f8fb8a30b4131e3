"""Every write of an owners' vote: create, open (snapshot the electorate), ballots, close, announce.

A vote moves through one transition table (draft → open → closed → announced); each move locks
the vote row, checks the table and who acts, writes the new status and one VoteEvent row. Ballots
lock the vote row too, so a ballot and the closing never cross, and the unique (vote, owner)
constraint keeps one ballot per owner even when the same owner presses twice at once.
"""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.territory.models import Building, Dwelling, Ownership, Region
from doorstep.territory.selectors import scope_for

from . import tally as tally_rules
from .models import Ballot, Vote, VoteEvent, VoteUnit, VoteVoter

S = Vote.Status
MANAGERS = frozenset({"community_staff", "subdistrict_staff", "committee_member", "admin"})
DEVELOPER = "developer"


class VoteError(ValidationError):
    """A vote action refused; the message says why, in the user's language."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    label: object


TABLE: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("open", frozenset({S.DRAFT}), S.OPEN, gettext_lazy("Open the vote")),
        Transition("close", frozenset({S.OPEN}), S.CLOSED, gettext_lazy("Close and count")),
        Transition("announce", frozenset({S.CLOSED}), S.ANNOUNCED, gettext_lazy("Announce the result")),
    ]
}

ACTION_LABELS = {
    "create": gettext_lazy("Drafted"),
    "open": gettext_lazy("Voting opened"),
    "close": gettext_lazy("Voting closed and counted"),
    "announce": gettext_lazy("Result announced"),
    "ballot": gettext_lazy("Ballot cast"),
    "ballot_changed": gettext_lazy("Ballot changed"),
    "notice": gettext_lazy("Public notice posted"),
}


# --- who may act -----------------------------------------------------------------------------


def can_manage(user, compound_id: int) -> bool:
    """Staff of the compound's community or above, the owners' committee, administrators."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    scope = scope_for(user)
    return bool(scope.role_kinds & MANAGERS) and scope.covers_region(compound_id)


def building_scope_errors(compound: Region, building: Building | None, stairwell_unit: int | None) -> list:
    """What is wrong with a building and stairwell unit given as the scope within a compound
    (shared by votes and topics)."""
    errors = []
    if building is not None and building.compound_id != compound.pk:
        errors.append(_("The building is not in this compound."))
    if stairwell_unit is not None:
        if building is None:
            errors.append(_("A stairwell unit needs its building."))
        elif not 1 <= stairwell_unit <= building.stairwell_units:
            errors.append(
                _("Building %(building)s has stairwell units 1 to %(n)d.")
                % {"building": building.number, "n": building.stairwell_units}
            )
    return errors


def _require_manager(user, compound_id: int):
    if not can_manage(user, compound_id):
        raise VoteError(_("You may not manage votes of this compound."), code="forbidden")


def allowed(vote: Vote, user) -> list[Transition]:
    if not can_manage(user, vote.compound_id):
        return []
    return [t for t in TABLE.values() if vote.status in t.sources]


# --- creating a vote -------------------------------------------------------------------------


def create_vote(
    *,
    compound: Region,
    title: str,
    matter: str,
    by,
    building: Building | None = None,
    stairwell_unit: int | None = None,
    description: str = "",
    changeable_ballots: bool = True,
    follow_majority: bool = False,
    follow_majority_clause: str = "",
    consent_required_of=(),
    template: str = "",
    closes_at=None,
) -> Vote:
    _require_manager(by, compound.pk)
    errors = []
    matter = str(matter)
    if matter not in tally_rules.MATTERS:
        errors.append(_('The matter must be 1 to 9 (Civil Code art. 278) or "279".'))
    if compound.level != Region.Level.COMPOUND:
        errors.append(_("A vote is held in a compound."))
    errors += building_scope_errors(compound, building, stairwell_unit)
    if not title.strip():
        errors.append(_("Please give the vote a title."))
    if follow_majority and not follow_majority_clause.strip():
        errors.append(
            _("Counting non-voters with the majority needs the clause of the assembly rules that allows it.")
        )
    if follow_majority and matter == "279":
        errors.append(
            _("Under art. 279 every interested owner must agree; nobody is counted with the majority.")
        )
    consent = list(consent_required_of)
    if errors:
        raise VoteError(errors)
    with transaction.atomic():
        vote = Vote.objects.create(
            compound=compound,
            building=building,
            stairwell_unit=stairwell_unit,
            title=title.strip(),
            description=description,
            matter=matter,
            template=template,
            changeable_ballots=changeable_ballots,
            follow_majority=follow_majority,
            follow_majority_clause=follow_majority_clause.strip() if follow_majority else "",
            closes_at=closes_at,
            created_by=by,
        )
        if consent:
            outside = [d for d in consent if not _in_scope(vote).filter(pk=d.pk).exists()]
            if outside:
                raise VoteError(
                    _("Units outside the vote's scope: %(units)s.")
                    % {"units": ", ".join(str(d) for d in outside)}
                )
            vote.consent_required_of.set(consent)
        _event(vote, "create", by, to_status=vote.status)
    return vote


def elevator_retrofit_vote(*, building: Building, stairwell_unit: int, occupied=(), by, **extra) -> Vote:
    """The elevator-retrofit template: the stairwell unit as scope, a major matter (art. 278
    item 7, renovation: 2/3 turnout and 3/4 consent), and the individual consent of every owner
    whose exclusive part the shaft or landing would occupy."""
    extra.setdefault(
        "title",
        _("Install an elevator in building %(building)s, unit %(unit)d")
        % {"building": building.number, "unit": stairwell_unit},
    )
    return create_vote(
        compound=building.compound,
        building=building,
        stairwell_unit=stairwell_unit,
        matter=Vote.Matter.REBUILD,
        template=Vote.Template.ELEVATOR,
        consent_required_of=occupied,
        by=by,
        **extra,
    )


# --- transitions -----------------------------------------------------------------------------


def transition(vote: Vote, action: str, *, by, note: str = "") -> Vote:
    rule = TABLE.get(action)
    if rule is None:
        raise VoteError(_("Unknown action."), code="unknown")
    with transaction.atomic():
        locked = Vote.objects.select_for_update().get(pk=vote.pk)
        _require_manager(by, locked.compound_id)
        if locked.status not in rule.sources:
            raise VoteError(
                _("The vote is %(status)s; it cannot be %(action)s now.")
                % {"status": locked.get_status_display(), "action": rule.label},
                code="conflict",
            )
        now = timezone.now()
        source = locked.status
        if action == "open":
            _snapshot(locked)
            locked.opened_at = now
        elif action == "close":
            result = count(locked)
            locked.result = result.as_dict()
            locked.passed = result.passed
            locked.closed_at = now
        elif action == "announce":
            locked.announced_at = now
        locked.status = rule.target
        locked.save()
        _event(locked, action, by, from_status=source, to_status=locked.status, note=note)
        if action == "announce":
            from .topics import vote_announced

            vote_announced(locked, by)  # the topics waiting on this vote are decided by it
    return locked


def open_vote(vote, *, by):
    return transition(vote, "open", by=by)


def close_vote(vote, *, by, note=""):
    return transition(vote, "close", by=by, note=note)


def announce_vote(vote, *, by, note=""):
    return transition(vote, "announce", by=by, note=note)


def _in_scope(vote: Vote):
    qs = Dwelling.objects.filter(building__compound_id=vote.compound_id)
    if vote.building_id:
        qs = qs.filter(building_id=vote.building_id)
    if vote.stairwell_unit:
        qs = qs.filter(stairwell_unit=vote.stairwell_unit)
    return qs


def _owner_key(parts: list[str]) -> str:
    key = "+".join(sorted(parts))
    return key if len(key) <= 64 else "h:" + hashlib.sha256(key.encode()).hexdigest()[:60]


def _snapshot(vote: Vote) -> None:
    """Copy the electorate: every unit in scope, its area, its owner's key, the owners' logins."""
    today = timezone.localdate()
    dwellings = list(
        _in_scope(vote).select_related("building").order_by("building__number", "stairwell_unit", "room")
    )
    if not dwellings:
        raise VoteError(_("There are no units in the vote's scope."), code="empty")
    current = (
        Ownership.objects.filter(dwelling__in=[d.pk for d in dwellings])
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .filter(Q(registered_on__isnull=True) | Q(registered_on__lte=today))
        .select_related("person", "organization")
    )
    owners: dict[int, list[Ownership]] = {}
    for o in current:
        owners.setdefault(o.dwelling_id, []).append(o)
    consent = set(vote.consent_required_of.values_list("pk", flat=True))
    units, voters = [], set()
    for d in dwellings:
        rows = owners.get(d.pk, [])
        unsold = any(o.is_developer_unsold for o in rows)
        if unsold:
            key, label = DEVELOPER, _("the developer (unsold units)")
        elif rows:
            key = _owner_key([f"p{o.person_id}" if o.person_id else f"o{o.organization_id}" for o in rows])
            label = "、".join(sorted({str(o.person or o.organization) for o in rows}))
            voters |= {(o.person.user_id, key) for o in rows if o.person_id and o.person.user_id}
        else:
            # No registered owner: the unit still counts, as an owner of its own, by paper ballot.
            key, label = f"d{d.pk}", _("owner not registered")
        units.append(
            VoteUnit(
                vote=vote,
                dwelling=d,
                label=f"{d.building.number}-{d.stairwell_unit}-{d.room}",
                area=d.exclusive_area,
                owner_key=key,
                owner_label=label[:200],
                developer_unsold=unsold,
                consent_required=d.pk in consent,
            )
        )
    VoteUnit.objects.bulk_create(units)
    VoteVoter.objects.bulk_create([VoteVoter(vote=vote, user_id=u, owner_key=k) for u, k in sorted(voters)])


def post_notice(vote: Vote, *, by, text: str) -> VoteEvent:
    """Record a public notice (公告) of the vote — where and when it was posted — for owners who
    cannot be reached otherwise (Guidance Rules art. 22); allowed until the vote closes."""
    text = text.strip()
    if not text:
        raise VoteError(_("Please say where and when the notice was posted."), code="notice")
    with transaction.atomic():
        locked = Vote.objects.select_for_update().get(pk=vote.pk)
        _require_manager(by, locked.compound_id)
        if locked.status not in (S.DRAFT, S.OPEN):
            raise VoteError(_("The vote is closed."), code="closed")
        return _event(locked, "notice", by, note=text)


# --- ballots ---------------------------------------------------------------------------------


def cast_ballot(
    vote: Vote,
    *,
    owner_key: str,
    choice: str,
    by,
    origin: str = Ballot.Origin.ONLINE,
    sheet_ref: str = "",
    proxy_ref: str = "",
    proxy_name: str = "",
) -> Ballot:
    """The owner's ballot, cast online by the owner or entered by staff from a signed paper sheet,
    on site or from a written proxy. A second ballot of the same owner changes the first if the
    vote's rules allow it (until closing); the same ballot sent twice is taken once."""
    if choice not in Ballot.Choice.values:
        raise VoteError(_("Please choose agree, disagree or abstain."), code="choice")
    if origin not in Ballot.Origin.values:
        raise VoteError(_("Unknown ballot origin."), code="origin")
    sheet_ref, proxy_ref, proxy_name = sheet_ref.strip(), proxy_ref.strip(), proxy_name.strip()
    if origin == Ballot.Origin.PAPER and not sheet_ref:
        raise VoteError(_("A paper ballot needs the reference of the signed sheet."), code="sheet")
    if origin == Ballot.Origin.PROXY and not proxy_ref:
        raise VoteError(_("A proxy ballot needs the reference of the written proxy."), code="proxy")
    fields = {
        "choice": choice,
        "origin": origin,
        "sheet_ref": sheet_ref if origin == Ballot.Origin.PAPER else "",
        "proxy_ref": proxy_ref if origin == Ballot.Origin.PROXY else "",
        "proxy_name": proxy_name if origin == Ballot.Origin.PROXY else "",
    }
    with transaction.atomic():
        locked = Vote.objects.select_for_update().get(pk=vote.pk)
        if origin == Ballot.Origin.ONLINE:
            if not VoteVoter.objects.filter(vote=locked, user=by, owner_key=owner_key).exists():
                raise VoteError(_("You are not an owner in this vote."), code="forbidden")
        else:
            _require_manager(by, locked.compound_id)
        if locked.status != S.OPEN:
            raise VoteError(_("The vote is not open."), code="closed")
        if not VoteUnit.objects.filter(vote=locked, owner_key=owner_key).exists():
            raise VoteError(_("This owner is not in the vote's electorate."), code="unknown")
        ballot = Ballot.objects.select_for_update().filter(vote=locked, owner_key=owner_key).first()
        if ballot is None:
            try:
                with transaction.atomic():
                    ballot = Ballot.objects.create(vote=locked, owner_key=owner_key, entered_by=by, **fields)
            except IntegrityError:
                ballot = Ballot.objects.select_for_update().get(vote=locked, owner_key=owner_key)
            else:
                _event(locked, "ballot", by, owner_key=owner_key, choice=choice, note=_origin_note(ballot))
                return ballot
        if all(getattr(ballot, k) == v for k, v in fields.items()):
            return ballot  # the same ballot again (a double press): taken once
        if not locked.changeable_ballots:
            raise VoteError(
                _("This owner has already voted; the vote's rules do not allow changes."), code="voted"
            )
        for k, v in fields.items():
            setattr(ballot, k, v)
        ballot.entered_by = by
        ballot.changes += 1
        ballot.save()
        _event(locked, "ballot_changed", by, owner_key=owner_key, choice=choice, note=_origin_note(ballot))
        return ballot


def _origin_note(ballot: Ballot) -> str:
    if ballot.origin == Ballot.Origin.PAPER:
        return _("paper sheet %(ref)s") % {"ref": ballot.sheet_ref}
    if ballot.origin == Ballot.Origin.PROXY:
        return _("proxy %(ref)s, held by %(name)s") % {
            "ref": ballot.proxy_ref,
            "name": ballot.proxy_name or "—",
        }
    return str(ballot.get_origin_display())


# --- counting --------------------------------------------------------------------------------


def count(vote: Vote) -> tally_rules.TallyResult:
    """The tally of the vote's snapshot and ballots (two queries), by the rules of tally.py."""
    units = list(
        VoteUnit.objects.filter(vote=vote).values_list(
            "label", "area", "owner_key", "developer_unsold", "consent_required"
        )
    )
    first_unit: dict[str, str] = {}
    for label, _area, key, _unsold, _consent in units:
        first_unit.setdefault(key, label)
    ballots = [
        (first_unit[k], c)
        for k, c in Ballot.objects.filter(vote=vote).values_list("owner_key", "choice")
        if k in first_unit
    ]
    return tally_rules.tally(
        vote.matter,
        [tally_rules.Unit(label, area, key, unsold) for label, area, key, unsold, _c in units],
        ballots,
        follow_majority=vote.follow_majority,
        required_consent=[label for label, _a, _k, _u, consent in units if consent],
    )


def _event(vote, action, by, *, from_status="", to_status="", owner_key="", choice="", note=""):
    return VoteEvent.objects.create(
        vote=vote,
        action=action,
        by=by if by is not None and by.is_authenticated else None,
        from_status=from_status,
        to_status=to_status,
        owner_key=owner_key,
        choice=choice,
        note=note,
    )
