"""A real owners' vote: creation, the electorate snapshot, ballots, closing, announcing, who may act."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from doorstep.council import selectors, services
from doorstep.council.models import Ballot, Vote, VoteEvent, VoteUnit, VoteVoter
from doorstep.council.services import VoteError
from doorstep.territory.models import Ownership, Person
from tests import factories
from tests.council.factories import developer, many_owners, owner, vote_world

pytestmark = pytest.mark.django_db
S = Vote.Status


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def world():
    return vote_world()


def stairwell_vote(world, matter="1", **extra):
    return services.create_vote(
        compound=world.city.compound_a,
        building=world.building,
        stairwell_unit=1,
        title="更换单元门禁",
        matter=matter,
        by=world.staff,
        **extra,
    )


def keys_by_label(vote):
    return dict(VoteUnit.objects.filter(vote=vote).values_list("label", "owner_key"))


def test_opening_snapshots_the_electorate_with_the_headcount_rules(world):
    u = world.units
    wang = owner("王芳", u["1-101"], u["1-102"])  # one owner of two units: one person
    li = owner("李强", u["1-201"])
    spouse = Person.objects.create(name="李强之妻", user=factories.user())
    Ownership.objects.create(dwelling=u["1-201"], person=spouse)  # co-owners: one owner
    developer(world, "1-202", "1-301")  # the developer's unsold units: one person together
    former = Person.objects.create(name="原业主")
    Ownership.objects.create(dwelling=u["1-302"], person=former, ended_on=date(2020, 1, 1))  # sold on
    owner("外单元", u["2-101"])  # another stairwell unit: out of scope

    vote = services.open_vote(stairwell_vote(world), by=world.staff)

    keys = keys_by_label(vote)
    assert sorted(keys) == ["3栋-1-101", "3栋-1-102", "3栋-1-201", "3栋-1-202", "3栋-1-301", "3栋-1-302"]
    assert keys["3栋-1-101"] == keys["3栋-1-102"]
    assert keys["3栋-1-202"] == keys["3栋-1-301"] == "developer"
    assert keys["3栋-1-302"] == f"d{u['1-302'].pk}"  # no current owner: a person of its own
    assert len(set(keys.values())) == 4
    assert sorted(VoteVoter.objects.filter(vote=vote).values_list("user__username", flat=True)) == sorted(
        [wang.username, li.username, spouse.user.username]
    )
    turnout = selectors.live_turnout(vote)
    assert (turnout["area"], turnout["headcount"]) == (Decimal("600.00"), 4)
    assert vote.status == S.OPEN and vote.opened_at is not None


def test_later_ownership_changes_do_not_alter_a_running_vote(world):
    u = world.units
    owners = many_owners(world)
    vote = services.open_vote(stairwell_vote(world), by=world.staff)
    before = keys_by_label(vote)
    # 1-101 is sold to 1-102's owner after opening; a unit's area is corrected.
    Ownership.objects.filter(dwelling=u["1-101"]).update(ended_on=date(2026, 1, 2))
    Ownership.objects.create(dwelling=u["1-101"], person=owners["1-102"].person)
    u["1-201"].exclusive_area = Decimal("150.00")
    u["1-201"].save()
    assert keys_by_label(vote) == before
    assert selectors.live_turnout(vote)["headcount"] == 6
    assert selectors.live_turnout(vote)["area"] == Decimal("600.00")
    # The former owner of 1-101 still votes in this vote, as the snapshot says.
    services.cast_ballot(vote, owner_key=before["3栋-1-101"], choice="yes", by=owners["1-101"])


def test_the_vote_moves_through_its_table_with_an_event_row_each(world):
    many_owners(world)
    vote = stairwell_vote(world)
    with pytest.raises(VoteError, match="不能"):
        services.close_vote(vote, by=world.staff)
    vote = services.open_vote(vote, by=world.staff)
    with pytest.raises(VoteError):
        services.open_vote(vote, by=world.staff)
    with pytest.raises(VoteError):
        services.announce_vote(vote, by=world.staff)
    vote = services.close_vote(vote, by=world.committee)
    vote = services.announce_vote(vote, by=world.staff)
    assert vote.status == S.ANNOUNCED and vote.announced_at and vote.closed_at
    rows = list(VoteEvent.objects.filter(vote=vote).values_list("action", "from_status", "to_status", "by"))
    assert rows == [
        ("create", "", "draft", world.staff.pk),
        ("open", "draft", "open", world.staff.pk),
        ("close", "open", "closed", world.committee.pk),
        ("announce", "closed", "announced", world.staff.pk),
    ]


def test_outsiders_and_residents_can_neither_create_nor_act(world):
    owners = many_owners(world)
    resident = owners["1-101"]
    for user in (world.outsider, resident):
        with pytest.raises(VoteError, match="无权"):
            services.create_vote(compound=world.city.compound_a, title="x", matter="1", by=user)
    vote = services.open_vote(stairwell_vote(world), by=world.staff)
    key = keys_by_label(vote)["3栋-1-101"]
    for user in (world.outsider, resident):
        with pytest.raises(VoteError):
            services.close_vote(vote, by=user)
        with pytest.raises(VoteError):
            services.cast_ballot(vote, owner_key=key, choice="yes", by=user, origin="paper", sheet_ref="S-1")
    # Another owner cannot vote for 1-101 online either.
    with pytest.raises(VoteError, match="不是本次表决的业主"):
        services.cast_ballot(vote, owner_key=key, choice="yes", by=owners["1-102"])
    assert not Ballot.objects.exists()
    assert list(selectors.votes_managed(world.outsider)) == []
    assert list(selectors.votes_managed(world.staff)) == [vote]
    assert list(selectors.votes_for_owner(resident)) == [vote]
    assert list(selectors.votes_for_owner(world.outsider)) == []


def test_ballots_online_paper_and_proxy(world):
    owners = many_owners(world)
    vote = services.open_vote(stairwell_vote(world), by=world.staff)
    keys = keys_by_label(vote)
    online = services.cast_ballot(vote, owner_key=keys["3栋-1-101"], choice="yes", by=owners["1-101"])
    assert (online.origin, online.entered_by) == ("online", owners["1-101"])
    with pytest.raises(VoteError, match="签名"):
        services.cast_ballot(vote, owner_key=keys["3栋-1-102"], choice="no", by=world.staff, origin="paper")
    paper = services.cast_ballot(
        vote, owner_key=keys["3栋-1-102"], choice="no", by=world.staff, origin="paper", sheet_ref="3-1-007"
    )
    assert (paper.sheet_ref, paper.entered_by) == ("3-1-007", world.staff)
    with pytest.raises(VoteError, match="委托"):
        services.cast_ballot(vote, owner_key=keys["3栋-1-201"], choice="yes", by=world.staff, origin="proxy")
    proxy = services.cast_ballot(
        vote,
        owner_key=keys["3栋-1-201"],
        choice="abstain",
        by=world.committee,
        origin="proxy",
        proxy_ref="WT-2026-03",
        proxy_name="赵敏",
    )
    assert proxy.proxy_name == "赵敏"
    events = list(VoteEvent.objects.filter(vote=vote, action="ballot").values_list("choice", "note"))
    assert events == [
        ("yes", "业主在线投票"),
        ("no", "纸质表决票 3-1-007"),
        ("abstain", "委托书 WT-2026-03，受托人 赵敏"),
    ]
    assert owners["1-101"].pk not in VoteEvent.objects.filter(vote=vote, action="ballot").values_list(
        "owner_key"
    )


def test_a_ballot_changes_until_closing_when_the_rules_allow(world):
    owners = many_owners(world)
    vote = services.open_vote(stairwell_vote(world), by=world.staff)
    key = keys_by_label(vote)["3栋-1-101"]
    me = owners["1-101"]
    services.cast_ballot(vote, owner_key=key, choice="yes", by=me)
    services.cast_ballot(vote, owner_key=key, choice="yes", by=me)  # a double press: taken once
    ballot = services.cast_ballot(vote, owner_key=key, choice="no", by=me)
    assert Ballot.objects.count() == 1 and ballot.choice == "no" and ballot.changes == 1
    assert list(VoteEvent.objects.filter(vote=vote, owner_key=key).values_list("action", "choice")) == [
        ("ballot", "yes"),
        ("ballot_changed", "no"),
    ]
    services.close_vote(vote, by=world.staff)
    with pytest.raises(VoteError, match="未开放"):
        services.cast_ballot(vote, owner_key=key, choice="yes", by=me)


def test_a_ballot_is_final_when_the_rules_say_so(world):
    owners = many_owners(world)
    vote = services.open_vote(stairwell_vote(world, changeable_ballots=False), by=world.staff)
    key = keys_by_label(vote)["3栋-1-101"]
    services.cast_ballot(vote, owner_key=key, choice="yes", by=owners["1-101"])
    with pytest.raises(VoteError, match="已经投票"):
        services.cast_ballot(vote, owner_key=key, choice="no", by=owners["1-101"])
    assert Ballot.objects.get().choice == "yes"


def test_closing_counts_area_and_headcount_like_example_5(world):
    """Example 5 in the database: one owner holds 4 units (one person), 6 small owners agree."""
    u = world.units
    for k in ("2-101", "2-102", "2-201", "2-202", "2-301", "2-302"):
        u[k].delete()
    small = many_owners(world)
    big = owner(
        "大业主", *[factories.dwelling(world.building, room=f"40{i}", stairwell_unit=1) for i in range(4)]
    )
    vote = services.open_vote(
        services.create_vote(compound=world.city.compound_a, title="选聘物业", matter="4", by=world.staff),
        by=world.staff,
    )
    keys = keys_by_label(vote)
    for label, login in small.items():
        services.cast_ballot(vote, owner_key=keys[f"3栋-{label}"], choice="yes", by=login)
    vote = services.close_vote(vote, by=world.staff)
    assert vote.passed is False
    assert vote.result["total"] == {"area": "1000.00", "headcount": 7}
    assert vote.result["turnout"]["area"] == "0.600000" and vote.result["turnout"]["headcount"] == "0.857143"
    assert vote.result["reason"] == "未通过：参与表决的专有部分面积占比 60.00%，未达到三分之二。"
    assert big is not None


def test_follow_majority_needs_its_clause_and_is_recorded(world):
    with pytest.raises(VoteError, match="议事规则"):
        stairwell_vote(world, follow_majority=True)
    owners = many_owners(world)
    vote = stairwell_vote(world, follow_majority=True, follow_majority_clause="《业主大会议事规则》第十八条")
    vote = services.open_vote(vote, by=world.staff)
    keys = keys_by_label(vote)
    # 4 of 6 vote: 2 yes, 1 no, 1 abstain → without 从众 2/4 is not more than half.
    for label, choice in (("1-101", "yes"), ("1-102", "yes"), ("1-201", "no"), ("1-202", "abstain")):
        services.cast_ballot(vote, owner_key=keys[f"3栋-{label}"], choice=choice, by=owners[label])
    vote = services.close_vote(vote, by=world.staff)
    assert vote.passed is True
    assert (
        vote.result["follow_majority"]["used"] is True and vote.result["turnout"]["headcount"] == "0.666667"
    )
    assert vote.follow_majority_clause == "《业主大会议事规则》第十八条"


def test_elevator_retrofit_needs_the_occupied_owners_own_consent(world):
    owners = many_owners(world)
    occupied = [world.units["1-101"], world.units["1-102"]]
    vote = services.elevator_retrofit_vote(
        building=world.building, stairwell_unit=1, occupied=occupied, by=world.staff
    )
    assert (vote.matter, vote.template, vote.stairwell_unit) == ("7", "elevator", 1)
    assert vote.title == "3栋1单元加装电梯"
    vote = services.open_vote(vote, by=world.staff)
    keys = keys_by_label(vote)
    assert VoteUnit.objects.filter(vote=vote, consent_required=True).count() == 2
    for label, login in owners.items():  # 5 of 6 agree: 5/6 ≥ 3/4, but 1-101 (occupied) says no
        services.cast_ballot(
            vote, owner_key=keys[f"3栋-{label}"], choice="no" if label == "1-101" else "yes", by=login
        )
    vote = services.close_vote(vote, by=world.staff)
    assert vote.passed is False and vote.result["failed"] == ["required_consent"]
    assert "3栋-1-101" in vote.result["reason"]


def test_elevator_occupied_units_must_be_in_its_stairwell_unit(world):
    with pytest.raises(VoteError, match="范围"):
        services.elevator_retrofit_vote(
            building=world.building, stairwell_unit=1, occupied=[world.units["2-101"]], by=world.staff
        )
    assert not Vote.objects.exists()


def test_scope_must_hold_together(world):
    other = factories.building(world.city.compound_b, "1栋")
    with pytest.raises(VoteError) as caught:
        services.create_vote(
            compound=world.city.compound_a,
            building=other,
            stairwell_unit=3,
            title=" ",
            matter="10",
            by=world.staff,
        )
    assert len(caught.value.messages) == 4  # matter, building, stairwell unit, title
    with pytest.raises(VoteError, match="1 至 2"):
        services.create_vote(
            compound=world.city.compound_a,
            building=world.building,
            stairwell_unit=3,
            title="x",
            matter="1",
            by=world.staff,
        )
    empty = factories.building(world.city.compound_a, "9栋")
    vote = services.create_vote(
        compound=world.city.compound_a, building=empty, title="x", matter="1", by=world.staff
    )
    with pytest.raises(VoteError, match="没有房屋"):
        services.open_vote(vote, by=world.staff)
    assert Vote.objects.get(pk=vote.pk).status == S.DRAFT


@pytest.mark.parametrize("voters", [3, 30])
def test_live_turnout_takes_one_query_whatever_the_size(world, voters, django_assert_num_queries):
    for i in range(30):
        world.units[f"1-9{i:02d}"] = factories.dwelling(world.building, room=f"9{i:02d}", stairwell_unit=1)
    owners = many_owners(world)
    vote = services.open_vote(stairwell_vote(world), by=world.staff)
    keys = keys_by_label(vote)
    labels = list(owners)[:voters]
    for label in labels:
        services.cast_ballot(vote, owner_key=keys[f"3栋-{label}"], choice="yes", by=owners[label])
    with django_assert_num_queries(1):
        turnout = selectors.live_turnout(vote)
    assert turnout["headcount"] == 36 and turnout["voted_headcount"] == voters
    assert turnout["voted_area"] == Decimal("100.00") * voters
    assert turnout["quorum"] is (voters * 3 >= 36 * 2)


def test_a_public_notice_is_recorded_until_closing(world):
    many_owners(world)
    vote = stairwell_vote(world)
    with pytest.raises(VoteError, match="公告"):
        services.post_notice(vote, text="  ", by=world.staff)
    with pytest.raises(VoteError, match="无权"):
        services.post_notice(vote, text="3栋1单元门口公告栏", by=world.outsider)
    services.post_notice(vote, text="2026-03-01 张贴于3栋1单元门口公告栏", by=world.staff)
    vote = services.open_vote(vote, by=world.staff)
    services.post_notice(vote, text="2026-03-05 小区微信群同步发布", by=world.committee)
    services.close_vote(vote, by=world.staff)
    with pytest.raises(VoteError, match="已截止"):
        services.post_notice(vote, text="迟到的公告", by=world.staff)
    assert [n.note for n in selectors.notices(vote)] == [
        "2026-03-01 张贴于3栋1单元门口公告栏",
        "2026-03-05 小区微信群同步发布",
    ]
