"""Needs from council topics: a topic decided together becomes a project's need; a topic that
came from a demand shares the demand's need, so its reporter is told when the project delivers."""

import pytest
from django.core.exceptions import ValidationError

from doorstep.core.models import Notification
from doorstep.council import topics
from doorstep.projects import services
from doorstep.projects.models import Need, Project
from tests.council.topic_world import elevator_topic, topic_world


def decided(t):
    topic = elevator_topic(t)
    topic = topics.transition(topic, "discuss", by=t.staff)
    return topics.transition(topic, "decide", by=t.staff, note="业主表决通过，加装电梯")


def test_a_decided_topic_becomes_a_project_and_the_reporter_is_told(client, db):
    t = topic_world()
    services.ensure_default_kinds()
    topic = decided(t)
    client.force_login(t.staff)
    html = client.get("/projects/lists/").content.decode()
    assert "业主共同决定、待实施的议题" in html and f"?topic={topic.pk}" in html
    r = client.post(
        "/projects/new/", {"topic": topic.pk, "region": topic.region_id, "title": "3栋1单元加装电梯"}
    )
    project = Project.objects.get()
    assert r.status_code == 302
    need = Need.objects.get()
    assert (need.topic, need.demand, need.source) == (topic, t.demand, Need.Source.TOPIC)
    assert list(project.needs.all()) == [need]
    # the demand gives the same need, not a second one
    assert services.need_from_demand(t.demand, by=t.staff) == need
    assert f"?topic={topic.pk}" not in client.get("/projects/lists/").content.decode()
    for action in ("approve", "start", "deliver"):
        services.transition(project, action, by=t.staff)
    assert Notification.objects.filter(recipient=t.reporter, kind="project_delivered").count() == 1


def test_a_topic_of_another_community_is_not_made_a_project(client, db):
    t = topic_world()
    topic = decided(t)
    with pytest.raises(ValidationError):
        services.need_from_topic(topic, by=t.outsider)
    client.force_login(t.outsider)
    assert client.get(f"/projects/new/?topic={topic.pk}").status_code == 404
    assert f"?topic={topic.pk}" not in client.get("/projects/lists/").content.decode()
    assert not Need.objects.exists()
