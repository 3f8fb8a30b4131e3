"""Property service per compound over time (物业服务), and coverage of old compounds (覆盖率).

A compound's property service is a chain of periods that never overlap, in the order
they were recorded: each change closes the current period on the day before the new one
starts. Modes: market company (市场化), public-welfare company (公益性, run by a subdistrict,
community or state-owned enterprise), self-managed by the owners' committee (自管), or none.
Coverage counts compounds whose service on a day is anything but none — the figure the
reform reports for old compounds (8.63 % → 60.4 % in Yichun).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from .models import Organization, PropertyService, Region
from .organizations import COMMITTEE_KINDS

# The rule for a compound's mode on a day lives in selectors (the tree's coverage column uses it too).
from .selectors import COVERED_MODES, mode_on, regions_visible, scope_for

Mode = PropertyService.Mode
# Which company a mode needs: a property company of that company_mode, a committee, or nobody.
_COMPANY_MODE = {
    Mode.MARKET: Organization.CompanyMode.MARKET,
    Mode.PUBLIC_WELFARE: Organization.CompanyMode.PUBLIC_WELFARE,
}


def _active_on(on: date) -> Q:
    return Q(start__lte=on) & (Q(end__isnull=True) | Q(end__gte=on))


def service_on(compound: Region, on: date) -> PropertyService | None:
    """The property service period of a compound on a day, if any was recorded."""
    return (
        PropertyService.objects.filter(_active_on(on), compound=compound)
        .select_related("company")
        .order_by("-start")
        .first()
    )


def service_history(user, compound: Region) -> list[PropertyService]:
    """A compound's periods, newest first, for a user who may see the compound."""
    if not scope_for(user).covers_region(compound.pk):
        return []
    return list(compound.property_services.select_related("company", "company__sponsor").order_by("-start"))


@transaction.atomic
def change_property_service(
    compound: Region, mode: str, company: Organization | None = None, *, start: date, by=None
) -> PropertyService:
    """From `start` on, the compound's property is served in `mode` (by `company`).

    Closes the current period on the day before `start` and opens a new one. Market and
    public-welfare service need a property company of that kind; self-management may name the
    compound's own owners' committee or property management committee; none has no company.
    """
    if compound.level != Region.Level.COMPOUND:
        raise ValidationError(_("Property service is recorded per compound."), code="compound")
    if mode not in Mode.values:
        raise ValidationError(_("Unknown property service mode."), code="mode")
    if start is None:
        raise ValidationError(_("Give the day the new property service starts."), code="start")
    if by is not None and not scope_for(by).covers_region(compound.pk):
        raise PermissionDenied(_("You may only change the property service of compounds in your own area."))
    _check_company(compound, mode, company, start)

    # Lock the compound's periods so two changes cannot interleave.
    periods = list(PropertyService.objects.select_for_update().filter(compound=compound).order_by("-start"))
    latest = periods[0] if periods else None
    if latest is not None:
        if start <= latest.start:
            raise ValidationError(
                _("The new property service must start after the current one, which started on %(day)s.")
                % {"day": latest.start.isoformat()},
                code="start",
            )
        if latest.end is not None and start <= latest.end:
            raise ValidationError(
                _("The new property service would overlap the period that ends on %(day)s.")
                % {"day": latest.end.isoformat()},
                code="start",
            )
        if (
            latest.end is None
            and latest.mode == mode
            and latest.company_id == (company.pk if company else None)
        ):
            raise ValidationError(_("This already is the compound's property service."), code="unchanged")
        if latest.end is None:
            latest.end = start - timedelta(days=1)
            latest.save(update_fields=["end", "updated_at"])
    return PropertyService.objects.create(compound=compound, mode=mode, company=company, start=start)


def _check_company(compound: Region, mode: str, company: Organization | None, start: date) -> None:
    if mode in _COMPANY_MODE:
        wanted = _COMPANY_MODE[mode]
        if company is None or company.kind != Organization.Kind.PROPERTY_COMPANY:
            raise ValidationError(
                _("A %(mode)s property service needs a property company.") % {"mode": Mode(mode).label},
                code="company",
            )
        if company.company_mode != wanted:
            raise ValidationError(
                _("%(name)s is registered as a %(actual)s, not a %(wanted)s.")
                % {
                    "name": company.name,
                    "actual": Organization.CompanyMode(company.company_mode).label
                    if company.company_mode
                    else _("company of unknown mode"),
                    "wanted": wanted.label,
                },
                code="company_mode",
            )
    elif mode == Mode.SELF_MANAGED:
        if company is None:
            return
        if company.kind not in COMMITTEE_KINDS or company.region_id != compound.pk:
            raise ValidationError(
                _(
                    "A self-managed compound is managed by its own owners' committee or property management committee."
                ),
                code="company",
            )
        if (company.term_start and company.term_start > start) or (
            company.term_end and company.term_end < start
        ):
            raise ValidationError(
                _("%(name)s is not in office on %(day)s.") % {"name": company.name, "day": start.isoformat()},
                code="company",
            )
    elif company is not None:
        raise ValidationError(_("A compound without property service has no company."), code="company")


# ---------------------------------------------------------------------------------------------
# Coverage


@dataclass(frozen=True)
class Coverage:
    """Property-service coverage of the compounds in a region's subtree on a day.

    `rate` is covered / compounds in per cent, as a Decimal with two places (60.37); it is 0
    when there are no compounds. `by_mode` counts compounds per mode; `none` includes compounds
    with no recorded service that day.
    """

    region: Region | None
    on: date
    compounds: int
    covered: int
    by_mode: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> Decimal:
        if not self.compounds:
            return Decimal("0.00")
        return (Decimal(100) * self.covered / self.compounds).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    @property
    def uncovered(self) -> int:
        return self.compounds - self.covered

    def count(self, mode: str) -> int:
        return self.by_mode.get(mode, 0)


def _subtree(region: Region) -> QuerySet:
    return Region.objects.descendants(region, include_self=True).values("pk")


def _coverage(region: Region | None, on: date, counts: dict[str | None, int]) -> Coverage:
    by_mode = {m: 0 for m in Mode.values}
    for mode, n in counts.items():
        by_mode[mode if mode in by_mode else Mode.NONE] += n
    return Coverage(
        region=region,
        on=on,
        compounds=sum(by_mode.values()),
        covered=sum(by_mode[m] for m in COVERED_MODES),
        by_mode=by_mode,
    )


def coverage(region: Region, on: date, *, old_only: bool = True) -> Coverage:
    """Coverage of the compounds (old ones only by default) below a region on a day — one query."""
    qs = Region.objects.filter(level=Region.Level.COMPOUND, pk__in=_subtree(region))
    if old_only:
        qs = qs.filter(is_old_compound=True)
    rows = qs.annotate(mode_on=mode_on(on)).values("mode_on").annotate(n=Count("pk")).order_by()
    return _coverage(region, on, {row["mode_on"]: row["n"] for row in rows})


def coverage_table(user, region: Region, on: date, *, old_only: bool = True) -> list[Coverage]:
    """One Coverage row per child of `region` the user may see, counting only compounds in scope.

    Three queries at any size: the user's scope (cached per request), the children, and the
    compounds of the subtree with their mode on the day.
    """
    scope = scope_for(user)
    children = regions_visible(user).filter(parent=region).order_by("code")
    if old_only:
        # A compound that is not old is no row of its own in a table of old compounds.
        children = children.exclude(level=Region.Level.COMPOUND, is_old_compound=False)
    children = list(children)
    if not children:
        return []
    rows = scope.filter(Region.objects.filter(pk__in=_subtree(region)), "pk").annotate(mode_on=mode_on(on))
    parent_of: dict[int, int | None] = {}
    compounds: list[tuple[int, str | None]] = []
    for pk, parent_id, level, is_old, mode in rows.values_list(
        "pk", "parent_id", "level", "is_old_compound", "mode_on"
    ):
        parent_of[pk] = parent_id
        if level == Region.Level.COMPOUND and (is_old or not old_only):
            compounds.append((pk, mode))
    counts: dict[int, dict[str | None, int]] = {c.pk: {} for c in children}
    for pk, mode in compounds:
        node = pk
        # Walk up to the child of `region` that holds this compound.
        while node is not None and node not in counts:
            node = parent_of.get(node)
        if node is not None:
            counts[node][mode] = counts[node].get(mode, 0) + 1
    return [_coverage(child, on, counts[child.pk]) for child in children]
