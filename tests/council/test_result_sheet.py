"""The printable result sheet (PDF) of an owners' vote: the public sheet of an announced result
(counts and exact shares, no names, no single ballot) and the committee's record copy of a closed
or announced vote (every unit with its choice); refused for a draft or open vote, invisible to
staff of another community, in a fixed number of queries."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from doorstep.council import services
from doorstep.council.models import Ballot, VoteUnit
from tests import factories
from tests.council.factories import many_owners, vote_world

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    """The sheet's text with all white space taken out (lines wrap where the layout wants)."""
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    return "".join("".join(page.extract_text() for page in reader.pages).split())


def counted_vote(world, owners, *, follow_majority=False, announce=True, stairwell=1):
    """Stairwell unit 1 (6 units of 100 m², one owner each): 3 agree online, 1 disagrees on a
    signed paper sheet, 1 abstains by written proxy, 1 does not vote."""
    vote = services.create_vote(
        compound=world.city.compound_a,
        building=world.building,
        stairwell_unit=stairwell,
        title="更换单元门禁",
        matter="1",
        follow_majority=follow_majority,
        follow_majority_clause="《业主大会议事规则》第十二条" if follow_majority else "",
        by=world.staff,
    )
    vote = services.open_vote(vote, by=world.staff)
    keys = dict(VoteUnit.objects.filter(vote=vote).values_list("label", "owner_key"))
    labels = sorted(owners)
    for label in labels[:3]:
        services.cast_ballot(vote, owner_key=keys[f"3栋-{label}"], choice="yes", by=owners[label])
    services.cast_ballot(
        vote,
        owner_key=keys[f"3栋-{labels[3]}"],
        choice="no",
        origin="paper",
        sheet_ref="纸-007",
        by=world.staff,
    )
    services.cast_ballot(
        vote,
        owner_key=keys[f"3栋-{labels[4]}"],
        choice="abstain",
        origin="proxy",
        proxy_ref="委-003",
        proxy_name="张三丰",
        by=world.staff,
    )
    vote = services.close_vote(vote, by=world.staff)
    if announce:
        vote = services.announce_vote(vote, by=world.staff)
    return vote


@pytest.fixture
def world():
    return vote_world()


@pytest.fixture
def owners(world):
    return many_owners(world)


def test_the_public_sheet_has_the_figures_and_no_names(client, world, owners):
    vote = counted_vote(world, owners)
    page = client.get(reverse("council:result", args=[vote.pk])).content.decode()
    assert reverse("council:result_sheet", args=[vote.pk]) in page and "打印表决结果" in page

    text = pdf_text(client.get(reverse("council:result_sheet", args=[vote.pk])))
    assert "业主共同决定表决结果" in text and "更换单元门禁" in text and "公示" in text
    assert "新城花园" in text or world.city.compound_a.name in text
    assert "3栋1单元" in text  # the stairwell-unit scope
    assert "（一）制定和修改业主大会议事规则" in text and "第二百七十八条" in text
    assert "三分之二" in text and "过半数" in text  # the thresholds of an ordinary matter
    # electorate: 6 units, 600.00 m², 6 owners; took part 500.00 m², 5 owners
    assert "6个专有部分" in text and "600.00" in text and "500.00" in text
    # turnout 5/6 by area and head-count, exact; agree 3/5, disagree 1/5, abstain 1/5 of those taking part
    assert "83.33%（0.833333=5/6）" in text
    assert "60.00%（0.600000=3/5）" in text and "20.00%（0.200000=1/5）" in text
    assert "未适用" in text  # 从众 not applied
    assert "通过" in text and "未通过" not in text
    # ballots by how they came in: 3 online, 1 paper with its sheet, 1 proxy
    assert "业主在线投票3" in text and "业主签名的纸质表决票1" in text and "书面委托投票1" in text
    assert "纸-007" in text
    assert "签字" in text and "盖章" in text
    # no names, no proxy holder, no single unit's ballot
    for name in ["业主1-101", "张三丰", "委-003", "3栋-1-101"]:
        assert name not in text


def test_follow_majority_is_stated_with_its_clause(client, world, owners):
    vote = counted_vote(world, owners, follow_majority=True)
    text = pdf_text(client.get(reverse("council:result_sheet", args=[vote.pk])))
    assert "《业主大会议事规则》第十二条" in text and "已适用" in text
    assert vote.result["follow_majority"]["used"] is True


def test_the_committee_record_lists_units_and_choices_without_names(client, world, owners):
    vote = counted_vote(world, owners, announce=False)
    client.force_login(world.staff)
    page = client.get(reverse("council:staff_vote", args=[vote.pk])).content.decode()
    assert reverse("council:staff_result_sheet", args=[vote.pk]) in page and "打印表决结果" in page
    text = pdf_text(client.get(reverse("council:staff_result_sheet", args=[vote.pk])))
    assert "存档" in text and "3栋-1-101" in text and "3栋-1-302" in text and "未投票" in text
    assert "委-003" in text and "纸-007" in text and "83.33%" in text
    assert "业主1-101" not in text and "张三丰" not in text
    # closed but not announced: nothing public yet
    assert client.get(reverse("council:result_sheet", args=[vote.pk])).status_code == 404


@pytest.mark.parametrize("stage", ["draft", "open"])
def test_a_vote_not_counted_has_no_sheet(client, world, owners, stage):
    vote = services.create_vote(
        compound=world.city.compound_a, building=world.building, title="选聘物业", matter="4", by=world.staff
    )
    if stage == "open":
        vote = services.open_vote(vote, by=world.staff)
    client.force_login(world.staff)
    response = client.get(reverse("council:staff_result_sheet", args=[vote.pk]))
    assert response.status_code == 409
    assert "表决结束并计票后才能打印表决结果" in response.content.decode()
    assert client.get(reverse("council:result_sheet", args=[vote.pk])).status_code == 404
    page = client.get(reverse("council:staff_vote", args=[vote.pk])).content.decode()
    assert "打印表决结果" not in page


def test_staff_of_another_community_get_404(client, world, owners):
    vote = counted_vote(world, owners, announce=False)
    client.force_login(world.outsider)
    assert client.get(reverse("council:staff_result_sheet", args=[vote.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("council:staff_result_sheet", args=[vote.pk]))
    assert response.status_code == 302 and "/login" in response["Location"]
    assert Ballot.objects.filter(vote=vote).count() == 5


def test_the_sheet_takes_the_same_queries_whatever_the_size(client, world, django_assert_max_num_queries):
    """Stairwell unit 1 (6 units) and unit 2 (36 units): the same number of queries, both sheets."""
    for i in range(30):
        world.units[f"2-9{i:02d}"] = factories.dwelling(world.building, room=f"9{i:02d}", stairwell_unit=2)
    client.force_login(world.staff)
    counts = []
    for stairwell in (1, 2):
        owners = many_owners(world, stairwell_unit=stairwell)
        vote = counted_vote(world, owners, stairwell=stairwell)
        with django_assert_max_num_queries(8) as public:
            pdf_text(client.get(reverse("council:result_sheet", args=[vote.pk])))
        with django_assert_max_num_queries(12) as staff:
            text = pdf_text(client.get(reverse("council:staff_result_sheet", args=[vote.pk])))
        assert text.count("3栋-") == len(owners)
        counts.append((len(public), len(staff)))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("matter", "needs", "not_in"),
    [
        ("1", ["三分之二以上", "过半数"], "四分之三"),
        ("5", ["三分之二以上", "过半数"], "四分之三"),  # using the maintenance funds: ordinary
        ("9", ["三分之二以上", "过半数"], "四分之三"),
        ("6", ["三分之二以上", "四分之三以上"], "过半数"),  # raising them: major
        ("7", ["三分之二以上", "四分之三以上"], "过半数"),
        ("8", ["三分之二以上", "四分之三以上"], "过半数"),
        ("279", ["全体利害关系业主一致同意", "第二百七十九条"], "三分之二"),
    ],
)
def test_the_sheet_states_the_thresholds_of_the_matter(matter, needs, not_in):
    """Civil Code art. 278 ¶2: 2/3 turnout for every item, 3/4 consent for items 6–8, more than
    half for the others; art. 279: every interested owner."""
    from doorstep.council.models import Vote
    from doorstep.council.result_sheet import matter_text, thresholds
    from doorstep.council.tally import matter_kind

    vote = Vote(matter=matter, title="x")
    text = "".join(thresholds(vote, str(matter_kind(matter)))) + matter_text(vote)
    for phrase in needs:
        assert phrase in text, (matter, phrase)
    assert not_in not in text
