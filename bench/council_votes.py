"""An owners' vote at compound scale: opening (the electorate snapshot), ballots, live turnout, counting.

    .venv/bin/python bench/council_votes.py [--units 5000] [--ballots 2000]

Builds a compound of `--units` units in a throw-away SQLite file (every tenth owner holds two
units, twenty units are the developer's unsold ones), then times, each against a bare baseline
measured in the same run:

1. opening the vote (snapshot of every unit with its area and owner key) against a bare read of
   the same dwellings and ownerships;
2. `--ballots` online ballots through `cast_ballot` (lock, checks, write, event row), per ballot,
   against a bare Ballot insert in its own transaction;
3. the live turnout (one aggregate query) against a bare COUNT of the electorate;
4. counting at closing (two reads and the exact tally) against the pure tally of the same
   input held in memory.

Prints figures and ratios; never fails on time.
"""

import argparse
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--units", type=int, default=5000, help="units in the compound (default 5,000)")
    p.add_argument("--ballots", type=int, default=2000, help="online ballots to cast (default 2,000)")
    return p.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
DATA_DIR = Path(tempfile.mkdtemp(prefix="doorstep-bench-council-"))
os.environ["DOORSTEP_DATA_DIR"] = str(DATA_DIR)
os.environ.pop("DOORSTEP_DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
os.environ.setdefault("DOORSTEP_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Q  # noqa: E402

from doorstep.core.models import User  # noqa: E402
from doorstep.council import selectors, services  # noqa: E402
from doorstep.council import tally as tally_rules  # noqa: E402
from doorstep.council.models import Ballot, VoteUnit, VoteVoter  # noqa: E402
from doorstep.territory.models import Building, Dwelling, Organization, Ownership, Person, Region  # noqa: E402


def clock(fn, repeat=1):
    start = time.perf_counter()
    for _ in range(repeat):
        result = fn()
    return (time.perf_counter() - start) / repeat, result


def build(units: int):
    city = Region.objects.create(name="宜春市", level=1, code="360900")
    compound = Region.objects.create(name="基准小区", level=5, code="360900-bench", parent=city)
    staff = User.objects.create_user("bench-staff", password="x", is_superuser=True)
    per_building = 200
    buildings = Building.objects.bulk_create(
        [
            Building(compound=compound, number=f"{b + 1}栋", stairwell_units=4)
            for b in range(-(-units // per_building))
        ]
    )
    dwellings = Dwelling.objects.bulk_create(
        [
            Dwelling(
                building=buildings[i // per_building],
                stairwell_unit=(i % per_building) // 50 + 1,
                room=f"{(i % 50) // 2 + 1}0{i % 2 + 1}",
                exclusive_area=Decimal(80 + i % 60) + Decimal("0.25"),
            )
            for i in range(units)
        ]
    )
    developer = Organization.objects.create(name="基准置业", kind="developer", region=compound)
    owned = dwellings[20:]
    n_people = len(owned) * 10 // 11  # every tenth person holds two units
    users = User.objects.bulk_create([User(username=f"owner-{i}") for i in range(n_people)])
    people = Person.objects.bulk_create([Person(name=f"业主{i}", user=u) for i, u in enumerate(users)])
    rows = [Ownership(dwelling=d, organization=developer, is_developer_unsold=True) for d in dwellings[:20]]
    i = 0
    for k, person in enumerate(people):
        take = 2 if k % 10 == 0 and i + 2 <= len(owned) else 1
        rows += [Ownership(dwelling=d, person=person) for d in owned[i : i + take]]
        i += take
    rows += [Ownership(dwelling=d, person=people[-1]) for d in owned[i:]]
    Ownership.objects.bulk_create(rows)
    return compound, staff


def main():
    call_command("migrate", verbosity=0)
    compound, staff = build(ARGS.units)
    print(
        f"compound: {ARGS.units:,} units, {Person.objects.count():,} owners with logins, 20 unsold (SQLite, {DATA_DIR})"
    )

    vote = services.create_vote(compound=compound, title="基准表决", matter="4", by=staff)
    t_open, vote = clock(lambda: services.open_vote(vote, by=staff))

    def bare_read():
        ds = list(Dwelling.objects.filter(building__compound=compound).values_list("pk", "exclusive_area"))
        os_ = list(
            Ownership.objects.filter(dwelling__building__compound=compound)
            .filter(Q(ended_on__isnull=True))
            .values_list("dwelling_id", "person_id", "organization_id")
        )
        return len(ds) + len(os_)

    t_bare_read, _ = clock(bare_read)
    heads = VoteUnit.objects.filter(vote=vote).values("owner_key").distinct().count()
    print(
        f"1. open (snapshot of {ARGS.units:,} units, {heads:,} owners): {t_open * 1000:.0f} ms; "
        f"bare read of dwellings and ownerships {t_bare_read * 1000:.0f} ms; ratio {t_open / t_bare_read:.1f}×"
    )

    voters = list(VoteVoter.objects.filter(vote=vote).select_related("user")[: ARGS.ballots])
    choices = ["yes", "yes", "no", "abstain"]
    start = time.perf_counter()
    for i, v in enumerate(voters):
        services.cast_ballot(vote, owner_key=v.owner_key, choice=choices[i % 4], by=v.user)
    t_cast = (time.perf_counter() - start) / len(voters)
    other = services.create_vote(compound=compound, title="基准对照", matter="4", by=staff)
    start = time.perf_counter()
    for v in voters:
        with transaction.atomic():
            Ballot.objects.create(
                vote=other, owner_key=v.owner_key, choice="yes", origin="online", entered_by=v.user
            )
    t_bare_insert = (time.perf_counter() - start) / len(voters)
    print(
        f"2. cast_ballot: {t_cast * 1000:.2f} ms per ballot ({len(voters):,}); bare insert "
        f"{t_bare_insert * 1000:.2f} ms; ratio {t_cast / t_bare_insert:.1f}×"
    )

    t_turnout, turnout = clock(lambda: selectors.live_turnout(vote), repeat=20)
    t_count, _ = clock(lambda: VoteUnit.objects.filter(vote=vote).count(), repeat=20)
    print(
        f"3. live turnout ({turnout['percent_area']} of the area, {turnout['percent_headcount']} of the owners): "
        f"{t_turnout * 1000:.1f} ms; bare COUNT {t_count * 1000:.1f} ms; ratio {t_turnout / t_count:.1f}×"
    )

    t_close, result = clock(lambda: services.count(vote), repeat=5)
    units = [
        tally_rules.Unit(lbl, a, k, u)
        for lbl, a, k, u in VoteUnit.objects.filter(vote=vote).values_list(
            "label", "area", "owner_key", "developer_unsold"
        )
    ]
    first = {}
    for u in units:
        first.setdefault(u.owner, u.id)
    cast = [(first[k], c) for k, c in Ballot.objects.filter(vote=vote).values_list("owner_key", "choice")]
    t_pure, pure = clock(lambda: tally_rules.tally("4", units, cast), repeat=5)
    assert pure.as_dict() == result.as_dict()
    print(
        f"4. count at closing: {t_close * 1000:.0f} ms; pure tally in memory {t_pure * 1000:.0f} ms; "
        f"ratio {t_close / t_pure:.1f}× — {result.reason}"
    )


if __name__ == "__main__":
    main()
