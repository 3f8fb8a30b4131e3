"""The topic pages: a resident's list and topic page (stages, supports, discussion, the vote),
the staff console (take up a hard matter, move stages, open the vote, hide a post) — outsiders
get a 404 and change nothing; lists read a fixed number of queries however long they are."""

import pytest
from django.urls import reverse

from doorstep.council import topics
from doorstep.council.models import Topic, TopicEvent, TopicPost, TopicSupport, Vote
from tests.council.topic_world import elevator_topic, topic_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def t():
    return topic_world()


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_a_resident_sees_the_topic_supports_and_posts(client, t):
    topic = elevator_topic(t)
    topics.transition(topic, "discuss", by=t.staff)
    client.force_login(t.owners["1-201"])
    listing = body(client.get(reverse("council:topics")))
    assert "身边的议题" in listing and "3栋1单元加装电梯" in listing and "讨论中" in listing
    page = body(client.get(reverse("council:topic", args=[topic.pk])))
    assert 'aria-current="step">讨论中' in page and "0 人支持" in page and "+1 我也希望办成" in page
    r = client.post(reverse("council:topic_support", args=[topic.pk]))
    assert r.status_code == 302 and r["Location"].endswith(f"/council/topics/{topic.pk}/#supports")
    client.post(reverse("council:topic_support", args=[topic.pk]))  # a second press counts once
    r = client.post(reverse("council:topic_post", args=[topic.pk]), {"text": "二楼同意，希望尽快开会"})
    assert r.status_code == 302
    page = body(client.get(reverse("council:topic", args=[topic.pk])))
    assert "1 人支持" in page and "您已支持此议题" in page and "二楼同意，希望尽快开会" in page
    assert TopicSupport.objects.filter(topic=topic).count() == 1
    r = client.post(reverse("council:topic_post", args=[topic.pk]), {"text": "  "}, follow=True)
    assert "请先写点内容" in body(r) and TopicPost.objects.count() == 1


def test_a_resident_raises_a_topic_from_the_list(client, t):
    client.force_login(t.neighbour)
    page = body(client.get(reverse("council:topics")))
    unit2 = f"s{t.building.pk}-2"
    assert f'value="{unit2}"' in page and f'value="s{t.building.pk}-1"' not in page
    r = client.post(
        reverse("council:topic_raise"), {"place": unit2, "title": "2单元楼道堆物清理", "description": ""}
    )
    topic = Topic.objects.get()
    assert r["Location"] == reverse("council:topic", args=[topic.pk])
    assert (topic.scope_level, topic.stairwell_unit, topic.origin) == ("stairwell", 2, "resident")
    r = client.post(
        reverse("council:topic_raise"), {"place": f"s{t.building.pk}-1", "title": "别人单元"}, follow=True
    )
    assert "您只能在自己居住的地方提出议题" in body(r) and Topic.objects.count() == 1


@pytest.mark.parametrize("who", ["outsider", "far", "neighbour"])
def test_outsiders_get_404_and_change_nothing(client, t, who):
    topic = elevator_topic(t)
    p = topics.post(topic, by=t.reporter, text="支持")
    client.force_login(getattr(t, who))
    assert client.get(reverse("council:topic", args=[topic.pk])).status_code == 404
    assert client.get(reverse("council:staff_topic", args=[topic.pk])).status_code == 404
    assert "3栋1单元加装电梯" not in body(client.get(reverse("council:topics")))
    assert "3栋1单元加装电梯" not in body(client.get(reverse("council:staff_topics")))
    for name, args, data in [
        ("council:topic_support", [topic.pk], {}),
        ("council:topic_post", [topic.pk], {"text": "捣乱"}),
        ("council:staff_topic_move", [topic.pk, "discuss"], {}),
        ("council:staff_post_hide", [topic.pk, p.pk], {"reason": "x"}),
        ("council:staff_topic_vote", [topic.pk], {"template": "elevator"}),
        ("council:staff_topic_from_demand", [t.demand.pk], {}),
    ]:
        assert client.post(reverse(name, args=args), data).status_code == 404, name
    topic.refresh_from_db()
    assert (topic.stage, topic.support_count, topic.post_count) == ("proposed", 0, 1)
    assert TopicEvent.objects.filter(topic=topic).count() == 1
    assert not TopicPost.objects.filter(hidden_at__isnull=False).exists() and not Vote.objects.exists()


def test_staff_take_up_a_hard_matter_move_it_and_put_it_to_the_vote(client, t):
    client.force_login(t.staff)
    console = body(client.get(reverse("council:staff_topics")))
    assert "待转为议题的难事" in console and t.demand.number in console
    r = client.post(
        reverse("council:staff_topic_from_demand", args=[t.demand.pk]),
        {"title": "3栋1单元加装电梯", "building": t.building.pk, "stairwell_unit": "1"},
    )
    topic = Topic.objects.get()
    assert r["Location"] == reverse("council:staff_topic", args=[topic.pk])
    assert (topic.demand, topic.stairwell_unit) == (t.demand, 1)
    assert t.demand.number not in body(client.get(reverse("council:staff_topics")))  # no longer waiting
    page = body(client.get(reverse("council:staff_topic", args=[topic.pk])))
    assert "开始讨论" in page and "关闭议题" in page and "来自诉求" in page
    client.post(reverse("council:staff_topic_move", args=[topic.pk, "discuss"]))
    r = client.post(reverse("council:staff_topic_move", args=[topic.pk, "decide"]), {"note": ""}, follow=True)
    assert "决定了什么" in body(r)
    assert client.post(reverse("council:staff_topic_move", args=[topic.pk, "carry_out"])).status_code == 302
    assert Topic.objects.get().stage == "discussion"  # not from discussion: refused, nothing changed
    r = client.post(
        reverse("council:staff_topic_vote", args=[topic.pk]), {"template": "elevator", "occupied": "101"}
    )
    vote = Vote.objects.get()
    assert r["Location"] == reverse("council:staff_vote", args=[vote.pk])
    assert vote.template == "elevator" and [d.room for d in vote.consent_required_of.all()] == ["101"]
    topic.refresh_from_db()
    assert topic.stage == "vote" and topic.vote == vote
    page = body(client.get(reverse("council:topic", args=[topic.pk])))
    assert 'aria-current="step">业主表决' in page and reverse("council:staff_vote", args=[vote.pk]) in page


def test_a_bad_room_for_the_vote_is_refused(client, t):
    topic = elevator_topic(t)
    topics.transition(topic, "discuss", by=t.staff)
    client.force_login(t.staff)
    r = client.post(
        reverse("council:staff_topic_vote", args=[topic.pk]),
        {"template": "elevator", "occupied": "909"},
        follow=True,
    )
    assert "No such room" in body(r) or "909" in body(r)
    assert not Vote.objects.exists() and Topic.objects.get().stage == "discussion"


def test_staff_hide_a_post_and_residents_see_the_reason_in_its_place(client, t):
    topic = elevator_topic(t)
    p = topics.post(topic, by=t.owners["1-302"], text="某某收了好处费")
    client.force_login(t.staff)
    page = body(client.get(reverse("council:staff_topic", args=[topic.pk])))
    assert "某某收了好处费" in page and "隐藏理由" in page
    r = client.post(reverse("council:staff_post_hide", args=[topic.pk, p.pk]), {"reason": ""}, follow=True)
    assert "请填写隐藏理由" in body(r)
    r = client.post(reverse("council:staff_post_hide", args=[topic.pk, p.pk]), {"reason": "未经证实的指控"})
    assert r["Location"].endswith(f"#post-{p.pk}")
    client.force_login(t.reporter)
    page = body(client.get(reverse("council:topic", args=[topic.pk])))
    assert "该发言已被管理员隐藏，理由：未经证实的指控" in page and "某某收了好处费" not in page


def test_the_topic_page_links_the_vote_result_once_announced(client, t):
    from tests.council.test_topics import _announce

    topic = elevator_topic(t)
    topics.transition(topic, "discuss", by=t.staff)
    vote = topics.open_topic_vote(topic, by=t.staff, elevator=True)
    client.force_login(t.reporter)
    page = body(client.get(reverse("council:topic", args=[topic.pk])))
    assert 'aria-current="step">业主表决' in page
    _announce(vote, t, yes=True)
    page = body(client.get(reverse("council:topic", args=[topic.pk])))
    assert reverse("council:result", args=[vote.pk]) in page and "业主表决通过。" in page
    assert 'aria-current="step">已决定' in page


def _many(t, n):
    for i in range(n):
        topic = topics.raise_topic(by=t.staff, title=f"议题{i}", region=t.city.compound_a)
        topics.post(topic, by=t.reporter, text="同意")
        topics.support(topic, by=t.reporter)


def test_lists_read_a_fixed_number_of_queries(client, t, django_assert_max_num_queries):
    _many(t, 3)
    counts = {}
    for n in (3, 23):
        if n == 23:
            _many(t, 20)
        for who, name in [(t.reporter, "council:topics"), (t.staff, "council:staff_topics")]:
            client.force_login(who)
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse(name)).status_code == 200
            counts[(n, name)] = len(ctx.captured_queries)
    assert counts[(3, "council:topics")] == counts[(23, "council:topics")]
    assert counts[(3, "council:staff_topics")] == counts[(23, "council:staff_topics")]
    client.force_login(t.reporter)
    with django_assert_max_num_queries(20):
        client.get(reverse("council:topics"))


def test_a_topic_page_reads_a_fixed_number_of_queries(client, t, django_assert_max_num_queries):
    topic = elevator_topic(t)
    for label in ("1-102", "1-201", "1-202", "1-301", "1-302"):
        topics.post(topic, by=t.owners[label], text=f"{label} 同意")
        topics.support(topic, by=t.owners[label])
    client.force_login(t.reporter)
    with django_assert_max_num_queries(20):
        page = body(client.get(reverse("council:topic", args=[topic.pk])))
    assert page.count('class="card post') == 5
