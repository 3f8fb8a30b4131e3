"""Topics (议题) as a specification: a hard-matter demand becomes a topic and its reporter is told;
stages move only along the table, each move an event row; the people a topic's scope concerns
take part, nobody else sees or changes anything; staff hide posts with a reason; one support per
person; the owners' vote of a topic decides it when its result is announced."""

import pytest

from doorstep.core.models import Notification
from doorstep.council import services as votes
from doorstep.council import topic_selectors as selectors
from doorstep.council import topics
from doorstep.council.models import Topic, TopicEvent, TopicPost, TopicSupport, Vote, VoteUnit
from doorstep.council.topics import TABLE, TopicError
from doorstep.demands import intake
from doorstep.demands.models import Category, Demand
from tests.council.topic_world import elevator_topic, topic_world
from tests.demands.intake_helpers import INSIDE_A

pytestmark = pytest.mark.django_db
St = Topic.Stage


@pytest.fixture
def t():
    return topic_world()


def snapshot(topic):
    topic.refresh_from_db()
    return (
        topic.stage,
        topic.support_count,
        topic.post_count,
        TopicEvent.objects.filter(topic=topic).count(),
        TopicPost.objects.filter(topic=topic, hidden_at__isnull=False).count(),
        TopicSupport.objects.filter(topic=topic).count(),
    )


# --- from a hard-matter demand ------------------------------------------------------------------


def test_a_hard_demand_becomes_a_topic_linked_back_and_the_reporter_is_told(t):
    topic = elevator_topic(t)
    assert topic.demand == t.demand and t.demand.topic == topic
    assert (topic.origin, topic.stage, topic.scope_level) == ("demand", "proposed", "stairwell")
    assert topic.region == t.city.compound_a and topic.building == t.building and topic.stairwell_unit == 1
    assert topic.description == t.demand.text
    event = TopicEvent.objects.get(topic=topic)
    assert (event.action, event.to_stage, event.note, event.by) == (
        "from_demand",
        "proposed",
        t.demand.number,
        t.staff,
    )
    note = Notification.objects.get(recipient=t.reporter, kind="topic")
    assert f"您反映的诉求 {t.demand.number} 已转为议题「3栋1单元加装电梯」" in note.text
    assert note.url == f"/council/topics/{topic.pk}/"


def test_a_demand_becomes_one_topic_only(t):
    elevator_topic(t)
    with pytest.raises(TopicError, match="该诉求已经转为议题"):
        elevator_topic(t)
    assert Topic.objects.count() == 1


def test_only_a_hard_matter_becomes_a_topic(t):
    other = intake.submit_demand(
        channel=Demand.Channel.PHONE,
        text="楼道灯坏了",
        by=t.reporter,
        lng=INSIDE_A[0],
        lat=INSIDE_A[1],
        category=Category.objects.get(code="0601"),
    )
    with pytest.raises(TopicError, match="只有定为难事的诉求才能转为议题"):
        topics.topic_from_demand(other, by=t.staff)
    assert not Topic.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "reporter", "committee"])
def test_only_the_desk_in_charge_takes_up_a_demand(t, who):
    with pytest.raises(TopicError, match="只有负责此地的社区或街道"):
        topics.topic_from_demand(t.demand, by=getattr(t, who))
    assert not Topic.objects.exists()
    assert not Notification.objects.filter(kind="topic").exists()


def test_a_stairwell_unit_must_exist_in_the_building(t):
    with pytest.raises(TopicError, match="3栋 的单元号为 1 至 2"):
        topics.topic_from_demand(t.demand, by=t.staff, building=t.building, stairwell_unit=3)
    assert not Topic.objects.exists()


# --- the stage table --------------------------------------------------------------------------

MANUAL = [a for a, rule in TABLE.items() if rule.manual]
CASES = [(stage, action) for stage in St.values for action in MANUAL]


def test_stages_move_only_along_the_table(t):
    """Every stage × every action offered as a button: allowed moves write one event row,
    refused ones change nothing (one world, the stage reset before each case)."""
    topic = elevator_topic(t)
    for stage, action in CASES:
        Topic.objects.filter(pk=topic.pk).update(
            stage=stage, close_reason="先前关闭" if stage == "closed" else ""
        )
        before = TopicEvent.objects.filter(topic=topic).count()
        rule = TABLE[action]
        if stage in rule.sources:
            moved = topics.transition(topic, action, by=t.staff, note="记一笔")
            assert moved.stage == rule.target, (stage, action)
            event = TopicEvent.objects.filter(topic=topic).last()
            assert (event.action, event.from_stage, event.to_stage, event.by, event.note) == (
                action,
                stage,
                rule.target,
                t.staff,
                "记一笔",
            )
        else:
            with pytest.raises(TopicError, match="现在不能转为"):
                topics.transition(topic, action, by=t.staff, note="记一笔")
            topic.refresh_from_db()
            assert topic.stage == stage, (stage, action)
            assert TopicEvent.objects.filter(topic=topic).count() == before, (stage, action)


EXPECTED = {  # the table as the issue states it
    "discuss": ({"proposed"}, "discussion"),
    "meet": ({"discussion"}, "meeting"),
    "vote": ({"discussion", "meeting"}, "vote"),
    "decide": ({"discussion", "meeting", "vote"}, "decided"),
    "carry_out": ({"decided"}, "carrying_out"),
    "report_back": ({"decided", "carrying_out"}, "reported_back"),
    "close": ({"proposed", "discussion", "meeting", "vote", "decided", "carrying_out"}, "closed"),
}


def test_the_table_is_the_issues_stages():
    assert {a: (set(r.sources), r.target) for a, r in TABLE.items()} == EXPECTED


@pytest.mark.parametrize(
    ("action", "message", "field"),
    [
        ("decide", "决定了什么", "decision"),
        ("report_back", "办成了什么", "report"),
        ("close", "为什么关闭", "close_reason"),
    ],
)
def test_deciding_reporting_back_and_closing_say_what_and_why(t, action, message, field):
    topic = elevator_topic(t)
    Topic.objects.filter(pk=topic.pk).update(stage="decided" if action == "report_back" else "discussion")
    with pytest.raises(TopicError, match=message):
        topics.transition(topic, action, by=t.staff, note="  ")
    moved = topics.transition(topic, action, by=t.staff, note="同意加装，费用按楼层分摊")
    assert getattr(moved, field) == "同意加装，费用按楼层分摊"


def test_the_vote_stage_needs_a_vote(t):
    topic = elevator_topic(t)
    topics.transition(topic, "discuss", by=t.staff)
    with pytest.raises(TopicError, match="请先为议题发起业主表决"):
        topics.transition(topic, "vote", by=t.staff)


def test_the_reporter_hears_of_every_move_and_supporters_of_the_decision(t):
    topic = elevator_topic(t)
    topics.transition(topic, "discuss", by=t.staff)
    topics.support(topic, by=t.owners["1-201"])
    topics.transition(topic, "decide", by=t.staff, note="同意加装")
    texts = list(
        Notification.objects.filter(recipient=t.reporter, kind="topic").values_list("text", flat=True)
    )
    assert "议题「3栋1单元加装电梯」进展：讨论中。" in texts
    assert "议题「3栋1单元加装电梯」进展：已决定。" in texts
    assert Notification.objects.filter(recipient=t.owners["1-201"], text__contains="已决定").exists()


# --- who sees and takes part ------------------------------------------------------------------


def test_residents_see_the_topics_whose_scope_concerns_them(t):
    unit1 = elevator_topic(t)
    compound = topics.raise_topic(by=t.staff, title="小区新增充电桩", region=t.city.compound_a)
    community = topics.raise_topic(by=t.staff, title="社区老年食堂", region=t.city.community_a)

    def seen(user):
        return set(selectors.topics_visible(user).values_list("title", flat=True))

    assert seen(t.reporter) == {unit1.title, compound.title, community.title}
    assert seen(t.neighbour) == {compound.title, community.title}  # unit 2: not the unit-1 elevator
    assert seen(t.far) == set()  # another compound of another community
    assert seen(t.outsider) == set()  # staff of another community
    assert seen(t.staff) == {unit1.title, compound.title, community.title}
    assert set(selectors.topics_near_me(t.staff).values_list("pk", flat=True)) == set()


@pytest.mark.parametrize("who", ["outsider", "far", "neighbour"])
def test_an_outsider_changes_nothing(t, who):
    topic = elevator_topic(t)
    topics.transition(topic, "discuss", by=t.staff)
    p = topics.post(topic, by=t.reporter, text="支持加装")
    before = snapshot(topic)
    user = getattr(t, who)
    with pytest.raises(TopicError, match="您不能参与此议题"):
        topics.post(topic, by=user, text="我来捣乱")
    with pytest.raises(TopicError, match="您不能参与此议题"):
        topics.support(topic, by=user)
    with pytest.raises(TopicError, match="您无权管理这里的议题"):
        topics.transition(topic, "meet", by=user)
    with pytest.raises(TopicError, match="您无权管理这里的议题"):
        topics.hide_post(p, by=user, reason="不喜欢")
    with pytest.raises(TopicError, match="您无权管理这里的议题"):
        topics.open_topic_vote(topic, by=user, elevator=True)
    assert snapshot(topic) == before
    assert not Vote.objects.exists()


def test_a_resident_raises_a_topic_only_where_they_live(t):
    topic = topics.raise_topic(
        by=t.neighbour, title="2单元楼道堆物", region=t.city.compound_a, building=t.building, stairwell_unit=2
    )
    assert (topic.origin, topic.scope_level, topic.raised_by_name) == ("resident", "stairwell", "李*")
    with pytest.raises(TopicError, match="您只能在自己居住的地方提出议题"):
        topics.raise_topic(
            by=t.neighbour, title="1单元的事", region=t.city.compound_a, building=t.building, stairwell_unit=1
        )
    with pytest.raises(TopicError, match="您只能在自己居住的地方提出议题"):
        topics.raise_topic(by=t.neighbour, title="别的小区", region=t.city.compound_b)
    assert Topic.objects.count() == 1


def test_staff_raise_for_an_observer_with_the_name(t):
    with pytest.raises(TopicError, match="请填写观察员姓名"):
        topics.raise_topic(by=t.staff, title="建议", region=t.city.compound_a, origin="observer")
    topic = topics.raise_topic(
        by=t.staff,
        title="小区消防通道常被占用",
        region=t.city.compound_a,
        origin="observer",
        raised_by_name="观察员刘",
    )
    assert (topic.origin, topic.raised_by_name, topic.scope_level) == ("observer", "观察员刘", "compound")


@pytest.mark.parametrize(
    ("title", "kwargs", "message"),
    [
        ("  ", {}, "请填写议题标题"),
        ("x" * 201, {}, "标题太长"),
        ("对", {"region": "city"}, "议题须属于一个社区或小区"),
        ("对", {"stairwell_unit": 1}, "指定单元须同时指定楼栋"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(t, title, kwargs, message):
    region = t.city.city if kwargs.pop("region", None) == "city" else t.city.compound_a
    with pytest.raises(TopicError) as err:
        topics.raise_topic(by=t.staff, title=title, region=region, **kwargs)
    assert any(part in " ".join(err.value.messages) for part in message.split("|"))
    assert not Topic.objects.exists()


# --- discussion and moderation ----------------------------------------------------------------


def test_staff_hide_a_post_with_a_reason_kept_for_the_record(t):
    topic = elevator_topic(t)
    p = topics.post(topic, by=t.owners["1-302"], text="加装电梯挡我家采光，坚决反对，某某是骗子")
    ok = topics.post(topic, by=t.reporter, text="一楼也同意出一部分钱")
    assert p.author_label == "业******" and not p.is_staff_post  # 业主1-302, masked
    with pytest.raises(TopicError, match="您无权管理这里的议题"):
        topics.hide_post(p, by=t.reporter, reason="我不同意")
    with pytest.raises(TopicError, match="请填写隐藏理由"):
        topics.hide_post(p, by=t.staff, reason=" ")
    hidden = topics.hide_post(p, by=t.staff, reason="含人身攻击")
    assert (hidden.hidden_reason, hidden.hidden_by) == ("含人身攻击", t.staff)
    assert TopicPost.objects.get(pk=p.pk).text.startswith("加装电梯挡我家采光")  # kept for the record
    with pytest.raises(TopicError, match="该发言已被隐藏"):
        topics.hide_post(p, by=t.staff, reason="再隐藏一次")
    assert TopicEvent.objects.filter(topic=topic, action="hide_post", note=f"#{p.pk} 含人身攻击").count() == 1
    topic.refresh_from_db()
    assert topic.post_count == 2 and TopicPost.objects.get(pk=ok.pk).hidden_at is None


def test_a_staff_post_is_marked(t):
    topic = elevator_topic(t)
    p = topics.post(topic, by=t.staff, text="本周六在党群会客厅开会")
    assert p.is_staff_post and p.author_label.startswith("工作人员")


@pytest.mark.parametrize(
    ("text", "message"), [("   ", "请先写点内容"), ("长" * 2001, "每条发言最多 2000 字")]
)
def test_empty_or_overlong_posts_are_refused(t, text, message):
    topic = elevator_topic(t)
    with pytest.raises(TopicError, match=message):
        topics.post(topic, by=t.reporter, text=text)
    assert not TopicPost.objects.exists()


@pytest.mark.parametrize("end", ["close", "report_back"])
def test_a_finished_topic_takes_no_posts_or_supports(t, end):
    topic = elevator_topic(t)
    if end == "report_back":
        Topic.objects.filter(pk=topic.pk).update(stage="carrying_out")
    topics.transition(topic, end, by=t.staff, note="已办结")
    before = snapshot(topic)
    with pytest.raises(TopicError, match="议题已结束|议题已关闭"):
        topics.post(topic, by=t.reporter, text="还有话说")
    with pytest.raises(TopicError, match="议题已关闭"):
        topics.support(topic, by=t.reporter)
    assert snapshot(topic) == before


# --- supports ---------------------------------------------------------------------------------


def test_one_support_per_person(t):
    topic = elevator_topic(t)
    assert topics.support(topic, by=t.reporter) is True
    assert topics.support(topic, by=t.reporter) is False
    assert topics.support(topic, by=t.owners["1-102"]) is True
    topic.refresh_from_db()
    assert topic.support_count == 2 == TopicSupport.objects.filter(topic=topic).count()
    assert selectors.has_supported(topic, t.reporter) and not selectors.has_supported(
        topic, t.owners["1-201"]
    )


# --- the owners' vote -------------------------------------------------------------------------


def _announce(vote, t, yes):
    vote = votes.open_vote(vote, by=t.staff)
    keys = dict(VoteUnit.objects.filter(vote=vote).values_list("label", "owner_key"))
    for label, user in t.owners.items():
        votes.cast_ballot(vote, owner_key=keys[f"3栋-{label}"], choice="yes" if yes else "no", by=user)
    votes.close_vote(vote, by=t.staff)
    return votes.announce_vote(vote, by=t.staff)


@pytest.mark.parametrize(("yes", "decision"), [(True, "业主表决通过。"), (False, "业主表决未通过。")])
def test_the_topics_vote_decides_it_when_its_result_is_announced(t, yes, decision):
    topic = elevator_topic(t)
    with pytest.raises(TopicError, match="表决须在讨论或会议之后发起"):
        topics.open_topic_vote(topic, by=t.staff, elevator=True)
    topics.transition(topic, "discuss", by=t.staff)
    vote = topics.open_topic_vote(topic, by=t.staff, elevator=True, occupied=[t.w.units["1-101"]])
    topic.refresh_from_db()
    assert topic.stage == "vote" and topic.vote == vote
    assert (vote.template, vote.matter, vote.stairwell_unit, vote.title) == (
        "elevator",
        "7",
        1,
        "3栋1单元加装电梯",
    )
    assert list(vote.consent_required_of.all()) == [t.w.units["1-101"]]
    _announce(vote, t, yes)
    topic.refresh_from_db()
    assert topic.stage == "decided" and topic.decision.startswith(decision)
    event = TopicEvent.objects.filter(topic=topic).last()
    assert (event.action, event.from_stage, event.to_stage) == ("decide", "vote", "decided")


def test_a_community_topic_is_not_put_to_an_owners_vote(t):
    topic = topics.raise_topic(by=t.staff, title="社区老年食堂", region=t.city.community_a)
    topics.transition(topic, "discuss", by=t.staff)
    with pytest.raises(TopicError, match="不能是整个社区"):
        topics.open_topic_vote(topic, by=t.staff, matter="9")
    topic.refresh_from_db()
    assert topic.stage == "discussion" and not Vote.objects.exists()


def test_a_plain_vote_over_a_compound_topic(t):
    topic = topics.raise_topic(by=t.staff, title="选聘新物业", region=t.city.compound_a)
    topics.transition(topic, "discuss", by=t.staff)
    topics.transition(topic, "meet", by=t.staff)
    vote = topics.open_topic_vote(topic, by=t.staff, matter="4")
    assert (vote.matter, vote.building, vote.compound) == ("4", None, t.city.compound_a)
    with pytest.raises(TopicError, match="加装电梯须以一个单元为表决范围"):
        other = topics.raise_topic(by=t.staff, title="装电梯", region=t.city.compound_a)
        topics.transition(other, "discuss", by=t.staff)
        topics.open_topic_vote(other, by=t.staff, elevator=True)
