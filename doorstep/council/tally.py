"""Tallying an owners' vote (业主共同决定) under Civil Code arts. 278–279, with exact arithmetic.

A pure function: no database, no floats. `tally(matter, units, ballots, follow_majority=False)`
returns a `TallyResult`; bad input raises `TallyError` with a Chinese message.

Who counts (shared/domain/owners-vote.md):
- Area: every exclusive unit carries its exclusive area (a Decimal, > 0).
- Headcount: one per owner key. Several units with one owner key are one person; co-owners of a
  unit share its one owner key; the developer's unsold units are one person together, whatever
  their owner keys say.

A ballot belongs to a unit, but the voter is the owner (the headcount's person). Our rule:
- All ballots of one person must carry the same choice; otherwise the input is rejected
  ("conflicting ballots for one owner"): an owner cannot be half for and half against.
- A person who voted took part with *all* their units in scope: their whole exclusive area goes
  with their one choice (the owner, not the sheet, is the voter — art. 278 counts "专有部分面积
  … 的业主", the area of the owners who took part). So a sheet for one of an owner's four units
  carries all four.
- Abstaining is taking part: it counts toward turnout (and the consent denominators), never
  toward consent.

Thresholds (art. 1259: 以上 includes the number, 过半数 is strictly more than half):
- turnout, every matter of art. 278: a_p ≥ 2/3·A and n_p ≥ 2/3·N;
- consent, ordinary (items 1–5, 9): a_y > 1/2·a_p and n_y > 1/2·n_p;
- consent, major (items 6–8): a_y ≥ 3/4·a_p and n_y ≥ 3/4·n_p;
- art. 279: every interested owner (every person in the units given) agrees.
Optional `required_consent` (the elevator retrofit's owners whose exclusive part is occupied):
each of those units' owners must have voted yes themselves.

从众 (follow_majority, Guidance Rules art. 26 ¶2, off by default): the non-voters are counted
with the majority of the ballots cast, for consent only — never toward turnout, never for an
individual consent, never under art. 279. The majority is the side (yes or no) that holds more
of the cast ballots by area *and* by headcount; when area and headcount disagree, or yes and no
tie, there is no majority to follow and nobody is added. With the rule applied, the consent
shares are computed over the participants plus the non-voters added to the majority side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

DEVELOPER_UNSOLD = "\0developer-unsold"  # the one headcount key of all unsold units
SHARE_PLACES = Decimal("0.000001")

TURNOUT = Fraction(2, 3)
HALF = Fraction(1, 2)
THREE_QUARTERS = Fraction(3, 4)


class Choice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class Kind(StrEnum):
    ORDINARY = "ordinary"  # art. 278 items 1–5 and 9
    MAJOR = "major"  # art. 278 items 6–8
    UNANIMOUS = "unanimous"  # art. 279


MATTERS: tuple[str, ...] = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "279")


def matter_kind(matter: str) -> Kind:
    if matter == "279":
        return Kind.UNANIMOUS
    return Kind.MAJOR if matter in {"6", "7", "8"} else Kind.ORDINARY


class TallyError(ValueError):
    """Input that cannot be tallied; `messages` are Chinese, one per problem."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


@dataclass(frozen=True)
class Unit:
    id: str
    area: Decimal
    owner: str
    developer_unsold: bool = False

    @property
    def head(self) -> str:
        return DEVELOPER_UNSOLD if self.developer_unsold else self.owner


@dataclass(frozen=True)
class Weight:
    area: Decimal = Decimal(0)
    headcount: int = 0

    def as_dict(self) -> dict:
        return {"area": str(self.area), "headcount": self.headcount}


@dataclass(frozen=True)
class Share:
    area: Fraction
    headcount: Fraction

    def as_dict(self) -> dict:
        return {
            "area": decimal_string(self.area),
            "headcount": decimal_string(self.headcount),
            "area_exact": fraction_string(self.area),
            "headcount_exact": fraction_string(self.headcount),
        }


@dataclass(frozen=True)
class TallyResult:
    matter: str
    kind: Kind
    total: Weight
    participated: Weight
    yes: Weight
    no: Weight
    abstain: Weight
    turnout: Share
    consent: Share
    passed: bool
    failed: tuple[str, ...]  # condition codes, empty when passed
    reason: str
    follow_majority: bool = False
    follow_majority_used: bool = False
    follow_majority_side: str | None = None
    follow_majority_added: Weight = field(default_factory=Weight)
    required_consent_missing: tuple[str, ...] = ()  # units whose owner's own yes is missing

    def as_dict(self) -> dict:
        return {
            "matter": int(self.matter) if self.matter != "279" else "279",
            "kind": str(self.kind),
            "total": self.total.as_dict(),
            "participated": self.participated.as_dict(),
            "yes": self.yes.as_dict(),
            "no": self.no.as_dict(),
            "abstain": self.abstain.as_dict(),
            "turnout": self.turnout.as_dict(),
            "consent": self.consent.as_dict(),
            "follow_majority": {
                "enabled": self.follow_majority,
                "used": self.follow_majority_used,
                "side": self.follow_majority_side,
                "added": self.follow_majority_added.as_dict(),
            },
            "required_consent_missing": list(self.required_consent_missing),
            "passed": self.passed,
            "failed": list(self.failed),
            "reason": self.reason,
        }


def decimal_string(value: Fraction) -> str:
    """A share as a decimal string with six places (rounded half to even); the exact value is
    in the `_exact` twin — the decision is always taken on the exact fraction."""
    quotient = Decimal(value.numerator) / Decimal(value.denominator)
    return str(quotient.quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN))


def fraction_string(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def percent(value: Fraction) -> str:
    quotient = Decimal(value.numerator * 100) / Decimal(value.denominator)
    return f"{quotient.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN)}%"


def _ratio(part, whole) -> Fraction:
    return Fraction(part) / Fraction(whole) if whole else Fraction(0)


# --- input checking ------------------------------------------------------------------------


def parse_matter(value) -> str:
    if isinstance(value, bool):
        raise TallyError(_('The matter must be 1 to 9 (Civil Code art. 278) or "279".'))
    text = str(value).strip()
    if text not in MATTERS:
        raise TallyError(_('The matter must be 1 to 9 (Civil Code art. 278) or "279".'))
    return text


def parse_area(value, unit_id: str) -> Decimal:
    if isinstance(value, bool | float):
        # A float has already lost exactness; areas come as decimal strings.
        raise TallyError(
            _('Unit %(unit)s: the area must be a decimal string such as "89.50".') % {"unit": unit_id}
        )
    try:
        area = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise TallyError(
            _('Unit %(unit)s: the area must be a decimal string such as "89.50".') % {"unit": unit_id}
        ) from None
    if not area.is_finite():
        raise TallyError(
            _('Unit %(unit)s: the area must be a decimal string such as "89.50".') % {"unit": unit_id}
        )
    if area < 0:
        raise TallyError(
            _("Unit %(unit)s: the area is negative (%(area)s m²).") % {"unit": unit_id, "area": area}
        )
    if area == 0:
        raise TallyError(_("Unit %(unit)s: the area is zero.") % {"unit": unit_id})
    return area


def check_units(units: Iterable[Unit]) -> dict[str, Unit]:
    by_id: dict[str, Unit] = {}
    errors = []
    for unit in units:
        if unit.id in by_id:
            errors.append(_("Unit %(unit)s is listed twice.") % {"unit": unit.id})
            continue
        if not unit.developer_unsold and not unit.owner:
            errors.append(_("Unit %(unit)s has no owner.") % {"unit": unit.id})
        try:
            parse_area(unit.area, unit.id)
        except TallyError as exc:
            errors.extend(exc.messages)
        by_id[unit.id] = unit
    if not by_id and not errors:
        errors.append(_("There are no units to vote."))
    if errors:
        raise TallyError(errors)
    return by_id


def owner_choices(by_id: Mapping[str, Unit], ballots: Iterable[tuple[str, str]]) -> dict[str, Choice]:
    """Each person's one choice from the per-unit ballots; conflicts, unknown units and
    duplicate ballots for one unit are errors (every one of them reported)."""
    errors: list[str] = []
    seen_units: set[str] = set()
    chosen: dict[str, Choice] = {}
    first_unit: dict[str, str] = {}
    conflicting: set[str] = set()
    for unit_id, raw_choice in ballots:
        unit = by_id.get(unit_id)
        if unit is None:
            errors.append(_("Ballot for unknown unit %(unit)s.") % {"unit": unit_id})
            continue
        try:
            choice = Choice(raw_choice)
        except ValueError:
            errors.append(
                _("Ballot for unit %(unit)s: the choice must be yes, no or abstain.") % {"unit": unit_id}
            )
            continue
        if unit_id in seen_units:
            errors.append(_("Unit %(unit)s has more than one ballot.") % {"unit": unit_id})
            continue
        seen_units.add(unit_id)
        head = unit.head
        if head in chosen and chosen[head] != choice:
            if head not in conflicting:
                conflicting.add(head)
                errors.append(
                    _("Conflicting ballots for one owner: units %(first)s and %(unit)s disagree.")
                    % {"first": first_unit[head], "unit": unit_id}
                )
            continue
        chosen.setdefault(head, choice)
        first_unit.setdefault(head, unit_id)
    if errors:
        raise TallyError(errors)
    return chosen


# --- the tally ----------------------------------------------------------------------------


def tally(
    matter,
    units: Iterable[Unit],
    ballots: Iterable[tuple[str, str]],
    follow_majority: bool = False,
    required_consent: Iterable[str] = (),
) -> TallyResult:
    matter = parse_matter(matter)
    kind = matter_kind(matter)
    by_id = check_units(units)
    choices = owner_choices(by_id, ballots)
    required = list(dict.fromkeys(required_consent))
    unknown = [u for u in required if u not in by_id]
    if unknown:
        raise TallyError(
            [_("Individual consent required of unknown unit %(unit)s.") % {"unit": u} for u in unknown]
        )

    area_of: dict[str, Decimal] = {}
    for unit in by_id.values():
        area_of[unit.head] = area_of.get(unit.head, Decimal(0)) + unit.area
    total = Weight(sum(area_of.values(), Decimal(0)), len(area_of))

    def weight(heads) -> Weight:
        heads = list(heads)
        return Weight(sum((area_of[h] for h in heads), Decimal(0)), len(heads))

    by_choice = {c: weight(h for h, chosen in choices.items() if chosen == c) for c in Choice}
    yes, no, abstain = by_choice[Choice.YES], by_choice[Choice.NO], by_choice[Choice.ABSTAIN]
    participated = weight(choices)
    non_voters = weight(h for h in area_of if h not in choices)

    turnout = Share(_ratio(participated.area, total.area), _ratio(participated.headcount, total.headcount))

    # 从众: the non-voters join the majority side of the cast ballots, for consent only.
    side = None
    added = Weight()
    if follow_majority and kind != Kind.UNANIMOUS and non_voters.headcount:
        if yes.area > no.area and yes.headcount > no.headcount:
            side = "yes"
        elif no.area > yes.area and no.headcount > yes.headcount:
            side = "no"
        if side:
            added = non_voters
    consent_yes = Weight(yes.area + added.area, yes.headcount + added.headcount) if side == "yes" else yes
    base = Weight(participated.area + added.area, participated.headcount + added.headcount)
    consent = Share(_ratio(consent_yes.area, base.area), _ratio(consent_yes.headcount, base.headcount))

    failed: list[str] = []
    if kind == Kind.UNANIMOUS:
        if yes.headcount != total.headcount:
            failed.append("unanimous")
    else:
        if turnout.area < TURNOUT:
            failed.append("turnout_area")
        if turnout.headcount < TURNOUT:
            failed.append("turnout_headcount")
        if kind == Kind.MAJOR:
            if consent.area < THREE_QUARTERS:
                failed.append("consent_area")
            if consent.headcount < THREE_QUARTERS:
                failed.append("consent_headcount")
        else:
            if consent.area <= HALF:
                failed.append("consent_area")
            if consent.headcount <= HALF:
                failed.append("consent_headcount")
    missing = tuple(u for u in required if choices.get(by_id[u].head) != Choice.YES)
    if missing:
        failed.append("required_consent")

    result = TallyResult(
        matter=matter,
        kind=kind,
        total=total,
        participated=participated,
        yes=yes,
        no=no,
        abstain=abstain,
        turnout=turnout,
        consent=consent,
        passed=not failed,
        failed=tuple(failed),
        reason="",
        follow_majority=bool(follow_majority),
        follow_majority_used=side is not None,
        follow_majority_side=side,
        follow_majority_added=added,
        required_consent_missing=missing,
    )
    return _with_reason(result)


def _with_reason(r: TallyResult) -> TallyResult:
    from dataclasses import replace

    parts: list[str] = []
    for code in r.failed:
        if code == "turnout_area":
            parts.append(
                _("the exclusive area taking part is %(share)s of the total, less than two thirds")
                % {"share": percent(r.turnout.area)}
            )
        elif code == "turnout_headcount":
            parts.append(
                _("the owners taking part are %(share)s of all owners, less than two thirds")
                % {"share": percent(r.turnout.headcount)}
            )
        elif code == "consent_area":
            share = percent(r.consent.area)
            if r.kind == Kind.MAJOR:
                parts.append(
                    _("the area agreeing is %(share)s of the area taking part, less than three quarters")
                    % {"share": share}
                )
            else:
                parts.append(
                    _("the area agreeing is %(share)s of the area taking part, not more than half")
                    % {"share": share}
                )
        elif code == "consent_headcount":
            share = percent(r.consent.headcount)
            if r.kind == Kind.MAJOR:
                parts.append(
                    _("the owners agreeing are %(share)s of the owners taking part, less than three quarters")
                    % {"share": share}
                )
            else:
                parts.append(
                    _("the owners agreeing are %(share)s of the owners taking part, not more than half")
                    % {"share": share}
                )
        elif code == "unanimous":
            parts.append(
                _("only %(yes)d of the %(total)d interested owners agree; art. 279 needs every one")
                % {"yes": r.yes.headcount, "total": r.total.headcount}
            )
        elif code == "required_consent":
            parts.append(
                _("the owners of units %(units)s, whose exclusive part would be occupied, have not agreed")
                % {"units": _list(r.required_consent_missing)}
            )
    if parts:
        reason = _("Not passed: %(conditions)s.") % {
            "conditions": pgettext("list separator", "; ").join(parts)
        }
    elif r.kind == Kind.UNANIMOUS:
        reason = _("Passed: every interested owner agrees (art. 279).")
    elif r.kind == Kind.MAJOR:
        reason = _(
            "Passed: owners with %(turnout_area)s of the area and %(turnout_headcount)s of the owners "
            "took part (two thirds needed); %(consent_area)s of that area and %(consent_headcount)s "
            "of those owners agree (three quarters needed)."
        ) % _shares(r)
    else:
        reason = _(
            "Passed: owners with %(turnout_area)s of the area and %(turnout_headcount)s of the owners "
            "took part (two thirds needed); %(consent_area)s of that area and %(consent_headcount)s "
            "of those owners agree (more than half needed)."
        ) % _shares(r)
    if r.follow_majority_used:
        side = _("for the proposal") if r.follow_majority_side == "yes" else _("against the proposal")
        reason += " " + _(
            "Under the assembly's rules, %(headcount)d owners who did not vote were counted %(side)s "
            "with the majority, for consent only."
        ) % {"headcount": r.follow_majority_added.headcount, "side": side}
    return replace(r, reason=reason)


def _shares(r: TallyResult) -> dict:
    return {
        "turnout_area": percent(r.turnout.area),
        "turnout_headcount": percent(r.turnout.headcount),
        "consent_area": percent(r.consent.area),
        "consent_headcount": percent(r.consent.headcount),
    }


def _list(items) -> str:
    return pgettext("list separator", ", ").join(items)
