"""Scoped reads of owners' votes. Every read takes the user.

Staff see the votes of the compounds in their scope; an owner sees the open and past votes they
are a voter in; anyone sees an announced result (no names, no ballots — only the counts).
"""

from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Q, QuerySet, Sum

from doorstep.territory.models import Region
from doorstep.territory.selectors import scope_for

from . import tally as tally_rules
from .models import Ballot, Vote, VoteEvent, VoteUnit, VoteVoter
from .services import MANAGERS


def votes_managed(user) -> QuerySet[Vote]:
    """Votes this user may manage: their scope's compounds, for managing roles."""
    if user is None or not user.is_authenticated:
        return Vote.objects.none()
    if user.is_superuser:
        return Vote.objects.all()
    scope = scope_for(user)
    if not scope.role_kinds & MANAGERS:
        return Vote.objects.none()
    return scope.filter(Vote.objects.all(), "compound")


def compounds_managed(user) -> QuerySet[Region]:
    """Compounds in which this user may hold votes."""
    compounds = Region.objects.filter(level=Region.Level.COMPOUND)
    if user is None or not user.is_authenticated:
        return compounds.none()
    if user.is_superuser:
        return compounds
    scope = scope_for(user)
    if not scope.role_kinds & MANAGERS:
        return compounds.none()
    return scope.filter(compounds, "pk")


def votes_for_owner(user) -> QuerySet[Vote]:
    """Votes this user is an online voter in (opened ones: the snapshot holds them)."""
    if user is None or not user.is_authenticated:
        return Vote.objects.none()
    return Vote.objects.filter(pk__in=VoteVoter.objects.filter(user=user).values("vote_id"))


def votes_announced() -> QuerySet[Vote]:
    return Vote.objects.filter(status=Vote.Status.ANNOUNCED)


def owner_keys(vote: Vote, user) -> list[str]:
    if user is None or not user.is_authenticated:
        return []
    return list(
        VoteVoter.objects.filter(vote=vote, user=user)
        .values_list("owner_key", flat=True)
        .order_by("owner_key")
    )


def live_turnout(vote: Vote) -> dict:
    """Turnout so far by area and by headcount, in one query whatever the size of the vote.

    Headcount counts owner keys (the developer's unsold units share one key), area sums the
    units of the owners who have a ballot.
    """
    voted = Q(owner_key__in=Ballot.objects.filter(vote=vote).values("owner_key"))
    row = VoteUnit.objects.filter(vote=vote).aggregate(
        total_area=Sum("area"),
        total_headcount=Count("owner_key", distinct=True),
        voted_area=Sum("area", filter=voted),
        voted_headcount=Count("owner_key", distinct=True, filter=voted),
    )
    area, headcount = row["total_area"] or Decimal(0), row["total_headcount"] or 0
    voted_area, voted_headcount = row["voted_area"] or Decimal(0), row["voted_headcount"] or 0
    share_area = Fraction(voted_area) / Fraction(area) if area else Fraction(0)
    share_headcount = Fraction(voted_headcount, headcount) if headcount else Fraction(0)
    return {
        "area": area,
        "headcount": headcount,
        "voted_area": voted_area,
        "voted_headcount": voted_headcount,
        "share_area": share_area,
        "share_headcount": share_headcount,
        "percent_area": tally_rules.percent(share_area),
        "percent_headcount": tally_rules.percent(share_headcount),
        "quorum": share_area >= tally_rules.TURNOUT and share_headcount >= tally_rules.TURNOUT,
    }


def notices(vote: Vote) -> list[VoteEvent]:
    """The public notices posted for the vote (where and when), oldest first; no names."""
    return list(VoteEvent.objects.filter(vote=vote, action="notice").only("at", "note").order_by("at", "id"))
