"""Two volunteers claim the same wish at the same moment: one wins, the other is told it was
just claimed (the wish row is locked; PostgreSQL, where writers run in parallel)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from doorstep.resources import wishes
from doorstep.resources.models import PointEntry, Wish, WishEvent
from tests.resources.test_wishes import make_people, published

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def people(city):
    return make_people(city)


def _race(work, n=2):
    barrier = threading.Barrier(n)
    results = []

    def run(i):
        try:
            barrier.wait()
            results.append(("ok", work(i)))
        except ValidationError as exc:
            results.append(("refused", exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results, key=lambda r: r[0])


def test_two_claims_at_once_one_wins_the_other_is_told(city, people):
    wish = published(city, people)
    users = [people.volunteer_user, people.other_user]
    outcome = _race(lambda i: wishes.transition(wish, "claim", by=users[i]))
    assert [kind for kind, _ in outcome] == ["ok", "refused"]
    refused = outcome[1][1]
    assert refused.code == "taken" and refused.messages == ["该心愿刚刚已被他人认领。"]
    wish = Wish.objects.get(pk=wish.pk)
    assert wish.status == Wish.Status.CLAIMED and wish.claimer_id in (people.volunteer.pk, people.other.pk)
    assert WishEvent.objects.filter(wish=wish, action="claim").count() == 1


def test_two_fulfils_at_once_credit_once(city, people):
    wish = published(city, people)
    wishes.transition(wish, "claim", by=people.volunteer_user)
    by = [people.volunteer_user, people.staff]
    outcome = _race(lambda i: wishes.transition(wish, "fulfil", by=by[i], note=f"送达{i}"))
    assert [kind for kind, _ in outcome] == ["ok", "refused"]
    assert PointEntry.objects.filter(source_key=f"wish:{wish.pk}").count() == 1
    assert WishEvent.objects.filter(wish=wish, action="fulfil").count() == 1
