"""Supports pressed at the same moment: one per person, and the shown count equals the rows.

Real threads with their own database connections (see test_vote_concurrency for how the
in-memory SQLite test database is handled); on PostgreSQL the topic row's lock and the unique
(topic, user) constraint do the work."""

import pytest

from doorstep.council import topics
from doorstep.council.models import Topic, TopicSupport
from tests.council.test_vote_concurrency import all_at_once
from tests.council.topic_world import elevator_topic, topic_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_person_pressing_support_many_times_at_once_counts_once():
    t = topic_world()
    topic = elevator_topic(t)
    results, errors = all_at_once([lambda: topics.support(topic, by=t.reporter) for _ in range(8)])
    assert errors == []
    assert sorted(results) == [False] * 7 + [True]
    assert TopicSupport.objects.filter(topic=topic).count() == 1
    assert Topic.objects.get(pk=topic.pk).support_count == 1


def test_neighbours_supporting_at_once_are_all_counted():
    t = topic_world()
    topic = elevator_topic(t)
    people = list(t.owners.values())
    jobs = [lambda u=u: topics.support(topic, by=u) for u in people for _ in range(2)]
    results, errors = all_at_once(jobs, workers=6)
    assert errors == []
    assert results.count(True) == len(people) == 6
    assert (
        Topic.objects.get(pk=topic.pk).support_count == 6 == TopicSupport.objects.filter(topic=topic).count()
    )
