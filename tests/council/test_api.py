"""The council in the JSON API (/api/v1/council/...): topics near me and of my area, a topic's
discussion, support, posts and stage moves; meetings of my area; my owners' votes and my ballot;
announced results. Scoped like the pages: a user or key of another community sees and changes
nothing; bad input changes nothing; a ballot sent twice is one ballot."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.council import meetings, topics
from doorstep.council import services as votes
from doorstep.council.models import (
    Ballot,
    MeetingAttendee,
    Topic,
    TopicEvent,
    TopicPost,
    TopicSupport,
    Vote,
    VoteEvent,
    VoteUnit,
)
from tests.api.clients import key_for, post, session
from tests.council.topic_world import elevator_topic, topic_world

pytestmark = pytest.mark.django_db
API = "/api/v1/council"


@pytest.fixture
def t():
    return topic_world()


@pytest.fixture
def topic(t):
    return elevator_topic(t)


def topic_state(topic):
    topic.refresh_from_db()
    return (
        topic.stage,
        topic.support_count,
        topic.post_count,
        TopicEvent.objects.filter(topic=topic).count(),
        TopicPost.objects.filter(topic=topic).count(),
        TopicSupport.objects.filter(topic=topic).count(),
    )


# --- topics -------------------------------------------------------------------------------------


def test_residents_list_the_topics_where_they_live(t, topic):
    owner = session(t.owners["1-201"])
    body = owner.get(f"{API}/topics").json()
    assert body["count"] == 1
    row = body["items"][0]
    assert (row["id"], row["stage"], row["stage_label"], row["scope_level"]) == (
        topic.pk,
        "proposed",
        "已提出",
        "stairwell",
    )
    assert "3栋" in row["scope"] and row["region"]["code"] == t.city.compound_a.code
    assert owner.get(f"{API}/topics", {"stage": "proposed"}).json()["count"] == 1
    assert owner.get(f"{API}/topics", {"stage": "closed"}).json()["count"] == 0
    bad = owner.get(f"{API}/topics", {"stage": "nonsense"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid" and "stage" in bad.json()["errors"]
    # the neighbour in stairwell unit 2 and a resident of another compound see nothing of it
    assert session(t.neighbour).get(f"{API}/topics").json()["count"] == 0
    assert session(t.far).get(f"{API}/topics").json()["count"] == 0
    assert session(t.far).get(f"{API}/topics/{topic.pk}").status_code == 404
    # staff list their area; the outsider's area holds nothing
    assert session(t.staff).get(f"{API}/topics", {"where": "area"}).json()["count"] == 1
    assert session(t.outsider).get(f"{API}/topics", {"where": "area"}).json()["count"] == 0


def test_a_topic_shows_its_discussion_and_only_the_reason_of_a_hidden_post(t, topic):
    topics.transition(topic, "discuss", by=t.staff)
    kept = topics.post(topic, by=t.owners["1-102"], text="同意加装，我家在三楼")
    hidden = topics.post(topic, by=t.owners["1-201"], text="某某是骗子，电话13907950001")
    topics.hide_post(hidden, by=t.staff, reason="含有他人个人信息")
    body = session(t.owners["1-101"]).get(f"{API}/topics/{topic.pk}").json()
    assert body["stage"] == "discussion" and body["actions"] == [] and body["supported"] is False
    posts = {p["id"]: p for p in body["posts"]}
    assert posts[kept.pk]["text"] == "同意加装，我家在三楼" and not posts[kept.pk]["hidden"]
    assert posts[hidden.pk] == {
        **posts[hidden.pk],
        "hidden": True,
        "text": "",
        "hidden_reason": "含有他人个人信息",
    }
    assert "13907950001" not in str(body) and "骗子" not in str(body)
    staff = session(t.staff).get(f"{API}/topics/{topic.pk}").json()
    assert "meet" in staff["actions"] and "close" in staff["actions"]


def test_support_counts_once_and_posts_need_text(t, topic):
    me = session(t.owners["1-102"])
    first = post(me, f"{API}/topics/{topic.pk}/support")
    again = post(me, f"{API}/topics/{topic.pk}/support")
    assert first.json() == {"topic_id": topic.pk, "counted": True, "support_count": 1}
    assert again.status_code == 200 and again.json()["counted"] is False
    assert TopicSupport.objects.filter(topic=topic).count() == 1
    before = topic_state(topic)
    for text in ["   ", "", "长" * 2001]:
        bad = post(me, f"{API}/topics/{topic.pk}/posts", {"text": text})
        assert bad.status_code == 422 and bad.json()["code"] == "invalid", text
    assert topic_state(topic) == before
    ok = post(me, f"{API}/topics/{topic.pk}/posts", {"text": "支持，希望尽快开会"})
    assert ok.status_code == 201 and ok.json()["text"] == "支持，希望尽快开会" and not ok.json()["staff"]
    assert TopicPost.objects.get(topic=topic).author == t.owners["1-102"]


def test_staff_move_the_stage_with_409_on_a_conflicting_change(t, topic):
    staff = session(t.staff)
    url = f"{API}/topics/{topic.pk}/move"
    moved = post(staff, url, {"action": "discuss", "stage": "proposed"})
    assert moved.status_code == 200 and moved.json()["stage"] == "discussion"
    before = topic_state(topic)
    stale = post(staff, url, {"action": "meet", "stage": "proposed"})
    assert (
        stale.status_code == 409
        and stale.json()["code"] == "stale_stage"
        and "讨论中" in stale.json()["message"]
    )
    wrong = post(staff, url, {"action": "carry_out"})
    assert wrong.status_code == 409 and wrong.json()["code"] == "not_allowed_now"
    no_note = post(staff, url, {"action": "decide", "note": "  "})
    assert no_note.status_code == 422 and no_note.json()["errors"]["note"]
    unknown = post(staff, url, {"action": "vote"})  # reached by opening a vote, not a button
    assert unknown.status_code == 422
    resident = post(session(t.owners["1-101"]), url, {"action": "meet"})
    assert resident.status_code == 403 and resident.json()["code"] == "forbidden"
    assert topic_state(topic) == before
    decided = post(
        staff, url, {"action": "decide", "note": "同意加装，费用按楼层分摊", "stage": "discussion"}
    )
    assert decided.status_code == 200 and decided.json()["stage"] == "decided"
    assert Topic.objects.get(pk=topic.pk).decision == "同意加装，费用按楼层分摊"


def test_an_outsider_sees_and_changes_nothing(t, topic):
    topics.transition(topic, "discuss", by=t.staff)
    before = topic_state(topic)
    for user in (t.outsider, t.far):
        client = session(user)
        assert client.get(f"{API}/topics/{topic.pk}").status_code == 404
        for path, body in [
            ("support", {}),
            ("posts", {"text": "外人发言"}),
            ("move", {"action": "close", "note": "关闭"}),
        ]:
            response = post(client, f"{API}/topics/{topic.pk}/{path}", body)
            assert response.status_code == 404 and response.json()["code"] == "not_found", path
    assert topic_state(topic) == before


def test_api_keys_read_topics_of_their_jurisdictions_only_and_cannot_act(t, topic, client):
    ours = {"HTTP_X_API_KEY": key_for(t.city.community_a)}
    theirs = {"HTTP_X_API_KEY": key_for(t.city.community_b)}
    assert client.get(f"{API}/topics", **ours).json()["count"] == 1
    assert client.get(f"{API}/topics/{topic.pk}", **ours).json()["actions"] == []
    assert client.get(f"{API}/topics", **theirs).json()["count"] == 0
    assert client.get(f"{API}/topics/{topic.pk}", **theirs).status_code == 404
    refused = client.post(f"{API}/topics/{topic.pk}/support", content_type="application/json", **ours)
    assert refused.status_code == 401
    assert client.get(f"{API}/votes", **ours).status_code == 401
    assert TopicSupport.objects.count() == 0


def test_the_topic_list_takes_the_same_queries_whatever_its_length(t, django_assert_max_num_queries):
    me = session(t.owners["1-101"])
    counts = []
    for n in (1, 8):
        while Topic.objects.count() < n:
            topics.raise_topic(
                by=t.owners["1-101"],
                title=f"议题{Topic.objects.count()}",
                region=t.city.compound_a,
                building=t.building,
                stairwell_unit=1,
                origin="resident",
            )
        with django_assert_max_num_queries(10) as captured:
            body = me.get(f"{API}/topics").json()
        assert body["count"] == n
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- meetings -----------------------------------------------------------------------------------


def parlour(t, topic, days=3):
    return meetings.convene(
        by=t.staff,
        kind="parlour",
        region=t.city.compound_a,
        title="3栋加装电梯恳谈会",
        starts_at=timezone.now() + timedelta(days=days),
        venue="党群会客厅",
        agenda="一、听取业主意见；二、讨论费用分摊",
        topics=[topic],
    )


def test_staff_list_meetings_of_their_area_by_date_and_read_one(t, topic, django_assert_max_num_queries):
    topics.transition(topic, "discuss", by=t.staff)
    m = parlour(t, topic)
    parlour(t, topic, days=40)
    MeetingAttendee.objects.create(meeting=m, label="王秀英", person=None)
    staff = session(t.staff)
    today = timezone.localdate()
    with django_assert_max_num_queries(8):
        body = staff.get(
            f"{API}/meetings",
            {"date_from": today.isoformat(), "date_to": (today + timedelta(days=7)).isoformat()},
        ).json()
    assert body["count"] == 1 and body["items"][0]["title"] == "3栋加装电梯恳谈会"
    assert body["items"][0]["kind_label"] == "党群会客厅议事"
    assert staff.get(f"{API}/meetings").json()["count"] == 2
    reversed_range = staff.get(f"{API}/meetings", {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert reversed_range.status_code == 422 and reversed_range.json()["code"] == "invalid"
    far = staff.get(f"{API}/meetings", {"date_from": "9999-12-31"})
    assert far.status_code == 200 and far.json()["count"] == 0
    detail = staff.get(f"{API}/meetings/{m.pk}").json()
    assert detail["agenda"].startswith("一、听取业主意见")
    assert detail["topics"] == [{"id": topic.pk, "title": topic.title, "stage": "discussion"}]
    assert detail["attendees"][0]["label"] == "王秀英" and detail["decisions"] == []
    # the outsider's area, a resident and a key of another community: nothing
    assert session(t.outsider).get(f"{API}/meetings").json()["count"] == 0
    assert session(t.outsider).get(f"{API}/meetings/{m.pk}").status_code == 404
    # a planned meeting's notice has not gone out: the topic's reporter does not see it yet
    reporter = session(t.reporter)
    assert reporter.get(f"{API}/meetings/{m.pk}").status_code == 404
    meetings.transition(m, "notify", by=t.staff)
    assert [row["id"] for row in reporter.get(f"{API}/meetings").json()["items"]] == [m.pk]
    mine = reporter.get(f"{API}/meetings/{m.pk}").json()
    assert mine["agenda"].startswith("一、听取业主意见") and mine["attendees"] == []
    # an owner not concerned (no seat, did not report or support the topic) sees nothing
    assert session(t.owners["1-302"]).get(f"{API}/meetings").json()["count"] == 0
    assert session(t.owners["1-302"]).get(f"{API}/meetings/{m.pk}").status_code == 404
    key = {"HTTP_X_API_KEY": key_for(t.city.community_b)}
    assert staff.get(f"{API}/meetings/{m.pk}", **key).status_code in (404,)
    ours = session(t.staff).get(f"{API}/meetings/{m.pk}", HTTP_X_API_KEY=key_for(t.city.community_a))
    assert ours.status_code == 200 and ours.json()["attendees"][0]["label"] == "王**"


# --- votes and ballots --------------------------------------------------------------------------


def open_vote(t, **extra):
    vote = votes.create_vote(
        compound=t.city.compound_a,
        building=t.building,
        stairwell_unit=1,
        title="3栋1单元加装电梯",
        matter="7",
        by=t.staff,
        **extra,
    )
    return votes.open_vote(vote, by=t.staff)


def ballot_state(vote):
    return (
        list(Ballot.objects.filter(vote=vote).values_list("owner_key", "choice", "changes")),
        VoteEvent.objects.filter(vote=vote, action__startswith="ballot").count(),
    )


def test_an_owner_casts_one_ballot_and_sending_it_twice_keeps_one(t):
    vote = open_vote(t)
    me = session(t.owners["1-101"])
    mine = me.get(f"{API}/votes").json()["items"]
    assert [v["id"] for v in mine] == [vote.pk] and mine[0]["can_vote"] is True
    owner = mine[0]["owners"][0]
    assert owner["units"] == ["3栋-1-101"] and owner["area"] == "100.00" and owner["ballot"] is None
    url = f"{API}/votes/{vote.pk}/ballot"
    first = post(me, url, {"choice": "yes"})
    second = post(me, url, {"choice": "yes", "owner": owner["owner"]})
    assert first.status_code == second.status_code == 200
    assert second.json()["changes"] == 0 and second.json()["choice_label"] == "同意"
    assert ballot_state(vote) == ([(owner["owner"], "yes", 0)], 1)
    changed = post(me, url, {"choice": "no"})
    assert changed.status_code == 200 and changed.json()["changes"] == 1
    detail = me.get(f"{API}/votes/{vote.pk}").json()
    assert detail["owners"][0]["ballot"]["choice"] == "no"


def test_bad_ballots_change_nothing(t):
    vote = open_vote(t, changeable_ballots=False)
    me = session(t.owners["1-101"])
    url = f"{API}/votes/{vote.pk}/ballot"
    assert post(me, url, {"choice": "yes"}).status_code == 200
    before = ballot_state(vote)
    final = post(me, url, {"choice": "no"})
    assert (
        final.status_code == 409
        and final.json()["code"] == "ballot_final"
        and "不允许修改" in final.json()["message"]
    )
    assert post(me, url, {"choice": "maybe"}).status_code == 422
    others = VoteUnit.objects.filter(vote=vote, label="3栋-1-102").values_list("owner_key", flat=True).get()
    someone_else = post(me, url, {"choice": "no", "owner": others})
    assert someone_else.status_code == 422 and someone_else.json()["errors"]["owner"]
    # the neighbour of stairwell unit 2 and a far resident are not in this vote
    for user in (t.neighbour, t.far, t.outsider):
        assert post(session(user), url, {"choice": "no"}).status_code == 404
        assert session(user).get(f"{API}/votes/{vote.pk}").status_code == 404
    assert ballot_state(vote) == before
    votes.close_vote(vote, by=t.staff)
    closed = post(session(t.owners["1-102"]), url, {"choice": "yes"})
    assert closed.status_code == 409 and closed.json()["code"] == "vote_not_open"
    assert ballot_state(vote) == before


def test_my_votes_take_the_same_queries_whatever_their_number(t, django_assert_max_num_queries):
    me = session(t.owners["1-101"])
    counts = []
    for n in (1, 4):
        while Vote.objects.count() < n:
            open_vote(t)
        with django_assert_max_num_queries(10) as captured:
            items = me.get(f"{API}/votes").json()["items"]
        assert len(items) == n
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_announced_results_with_exact_shares_are_public(t, client, django_assert_max_num_queries):
    vote = open_vote(t)
    keys = dict(VoteUnit.objects.filter(vote=vote).values_list("label", "owner_key"))
    for label in ["1-101", "1-102", "1-201", "1-202"]:
        votes.cast_ballot(vote, owner_key=keys[f"3栋-{label}"], choice="yes", by=t.owners[label])
    votes.cast_ballot(
        vote, owner_key=keys["3栋-1-301"], choice="no", origin="paper", sheet_ref="Z-1", by=t.staff
    )
    votes.close_vote(vote, by=t.staff)
    assert client.get(f"{API}/results/{vote.pk}").status_code == 404  # counted, not announced
    assert client.get(f"{API}/results").json()["count"] == 0
    votes.announce_vote(vote, by=t.staff)
    assert client.get(f"{API}/results").json()["items"][0]["id"] == vote.pk
    with django_assert_max_num_queries(6):
        body = client.get(f"{API}/results/{vote.pk}").json()
    assert body["passed"] is True and body["kind"] == "major" and body["units"] == 6
    assert body["turnout"]["area_exact"] == "5/6" and body["turnout"]["headcount"] == "0.833333"
    assert body["yes_share"]["area_exact"] == "4/5" and body["no_share"]["headcount_exact"] == "1/5"
    assert body["consent"]["area_exact"] == "4/5" and body["follow_majority"]["used"] is False
    assert any("四分之三" in line for line in body["thresholds"])
    assert {o["origin"]: o["ballots"] for o in body["ballots_by_origin"]} == {
        "online": 4,
        "paper": 1,
        "on_site": 0,
        "proxy": 0,
    }
    assert body["sheet_url"].endswith(f"/results/{vote.pk}/sheet.pdf")
    assert "业主1-101" not in str(body)
    assert client.get(f"{API}/results/{2**63}").status_code in (404, 422)
