"""Owners voting at the same moment: one ballot per owner, an exact tally, nothing lost at closing.

Real threads, each with its own database connection, on committed transactions. The SQLite test
database is in memory (shared cache), where a writer meeting another's lock fails at once
("database table is locked") instead of waiting as a real installation's file database does
(WAL, BEGIN IMMEDIATE, a 20-second busy timeout); the threads retry such a failure, each retry a
whole new transaction — which is what the busy timeout does in production. On PostgreSQL the
vote row's lock (SELECT … FOR UPDATE) and the unique (vote, owner) constraint do the work and no
retry happens.
"""

import threading
import time
from collections import Counter
from decimal import Decimal

import pytest
from django.db import OperationalError, connection
from django.utils import translation

from doorstep.council import services
from doorstep.council.models import Ballot, VoteEvent, VoteUnit
from doorstep.council.services import VoteError
from tests.council.factories import many_owners, vote_world

pytestmark = pytest.mark.django_db(transaction=True)


def _retrying(fn):
    for _attempt in range(2000):
        try:
            return fn()
        except OperationalError as exc:  # only the in-memory SQLite test database says this
            if "locked" not in str(exc) or connection.vendor != "sqlite":
                raise
            time.sleep(0.002)
    raise AssertionError("a thread never got the write lock")


def all_at_once(jobs, workers=None):
    """Run the jobs on `workers` threads (one per job unless told), each thread with its own
    database connection, all released together; return (results, errors). A bounded number of
    threads is what a server's worker pool gives the database (PostgreSQL allows 100 clients)."""
    workers = min(workers or len(jobs), len(jobs))
    barrier = threading.Barrier(workers)
    queue = list(enumerate(jobs))
    lock = threading.Lock()
    results, errors = [None] * len(jobs), []

    def run():
        try:
            with translation.override("zh-hans"):
                barrier.wait(60)
                while True:
                    with lock:
                        if not queue:
                            return
                        i, job = queue.pop(0)
                    try:
                        results[i] = _retrying(job)
                    except Exception as exc:  # collected and asserted on in the test
                        errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
        assert not t.is_alive(), "a thread hung"
    return results, errors


def open_vote(units, **rules):
    world = vote_world(units_per_stairwell=units)
    owners = many_owners(world)
    vote = services.create_vote(
        compound=world.city.compound_a,
        building=world.building,
        stairwell_unit=1,
        title="加装充电桩",
        matter="8",
        by=world.staff,
        **rules,
    )
    vote = services.open_vote(vote, by=world.staff)
    keys = dict(VoteUnit.objects.filter(vote=vote).values_list("label", "owner_key"))
    return world, vote, {f"3栋-{label}": login for label, login in owners.items()}, keys


def test_one_owner_voting_twice_at_once_is_counted_once():
    world, vote, owners, keys = open_vote(4)
    label = "3栋-1-101"
    jobs = [
        lambda: services.cast_ballot(vote, owner_key=keys[label], choice="yes", by=owners[label]).pk
        for _ in range(6)
    ]
    ids, errors = all_at_once(jobs)
    assert errors == []
    assert len(set(ids)) == 1
    assert Ballot.objects.filter(vote=vote).count() == 1
    assert VoteEvent.objects.filter(vote=vote, action="ballot").count() == 1
    result = services.close_vote(vote, by=world.staff).result
    assert result["participated"]["headcount"] == 1


def test_two_different_ballots_at_once_when_ballots_are_final_one_wins():
    world, vote, owners, keys = open_vote(4, changeable_ballots=False)
    label = "3栋-1-102"

    def cast(choice):
        return lambda: (
            services.cast_ballot(vote, owner_key=keys[label], choice=choice, by=owners[label]).choice
        )

    choices, errors = all_at_once([cast("yes"), cast("no"), cast("yes"), cast("no")])
    ballot = Ballot.objects.get(vote=vote)
    # Whoever came first is the ballot; the same choice again is taken once; the other is refused.
    assert sorted(c for c in choices if c) == [ballot.choice, ballot.choice]
    assert len(errors) == 2 and all(isinstance(e, VoteError) and "已经投票" in e.messages[0] for e in errors)
    assert VoteEvent.objects.filter(vote=vote, owner_key=keys[label]).count() == 1


def test_200_concurrent_voters_give_the_exact_tally():
    """200 owners press at the same moment; 24 threads (a server's worker pool) carry them."""
    world, vote, owners, keys = open_vote(200)
    assert len(owners) == 200
    pattern = ["yes", "yes", "yes", "no", "abstain"]  # 120 yes, 40 no, 40 abstain: 3/5 < 3/4
    plan = {label: pattern[i % 5] for i, label in enumerate(sorted(owners))}
    jobs = [
        lambda label=label, choice=choice: (
            services.cast_ballot(vote, owner_key=keys[label], choice=choice, by=owners[label]).pk
        )
        for label, choice in plan.items()
    ]
    ids, errors = all_at_once(jobs, workers=24)
    assert errors == []
    assert len(set(ids)) == 200
    stored = Counter(Ballot.objects.filter(vote=vote).values_list("choice", flat=True))
    assert stored == Counter(plan.values()) == {"yes": 120, "no": 40, "abstain": 40}
    result = services.close_vote(vote, by=world.staff).result
    assert result["participated"] == {"area": "20000.00", "headcount": 200}
    assert result["yes"] == {"area": "12000.00", "headcount": 120}
    assert result["consent"]["headcount_exact"] == "3/5" and result["passed"] is False
    assert VoteEvent.objects.filter(vote=vote, action="ballot").count() == 200


def test_ballots_racing_the_closing_are_either_counted_or_refused():
    world, vote, owners, keys = open_vote(30)
    voters = sorted(owners)
    jobs = [
        lambda label=label: (
            services.cast_ballot(vote, owner_key=keys[label], choice="yes", by=owners[label]).pk
        )
        for label in voters
    ]
    jobs.insert(15, lambda: services.close_vote(vote, by=world.staff).result)
    results, errors = all_at_once(jobs)
    refused = [e for e in errors if isinstance(e, VoteError)]
    assert len(refused) == len(errors)  # nothing but "the vote is not open"
    assert all("未开放" in e.messages[0] for e in refused)
    counted = Ballot.objects.filter(vote=vote).count()
    assert counted + len(refused) == 30
    result = next(r for r in results if isinstance(r, dict))
    assert result["participated"]["headcount"] == counted
    assert Decimal(result["participated"]["area"]) == Decimal("100.00") * counted
