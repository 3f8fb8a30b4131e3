"""An owners' vote in real browsers: the owner votes on a 375-px phone and sees their ballot;
staff enter a paper ballot, close and announce; the public announcement shows the result."""

from doorstep.council import services
from doorstep.council.models import Ballot, Vote, VoteUnit
from tests.council.factories import many_owners, vote_world
from tests.e2e.conftest import login


def fits(pg, width=375):
    w = pg.evaluate("document.documentElement.scrollWidth")
    assert w <= width, f"page is {w}px wide on a {width}px screen"


def test_an_owner_votes_on_the_phone_and_staff_announce_the_result(phone, page, db):
    world = vote_world()
    owners = many_owners(world)
    me = owners["1-101"]
    me.set_password("pw-doorstep-1")
    me.save()
    vote = services.elevator_retrofit_vote(
        building=world.building, stairwell_unit=1, occupied=[world.units["1-101"]], by=world.staff
    )
    vote = services.open_vote(vote, by=world.staff)

    login(phone, me.username)
    phone.goto(phone.base + "/council/votes/")
    phone.click("text=3栋1单元加装电梯")
    phone.wait_for_selector("text=（七）改建、重建建筑物及其附属设施")
    assert phone.is_visible("text=须本人同意")
    fits(phone)
    phone.click("label:has-text('同意') >> nth=0")
    phone.click("button:has-text('投出我的选票')")
    phone.wait_for_selector("text=我的选票：同意")
    assert phone.is_visible("text=您的选票已记录")
    fits(phone)
    assert Ballot.objects.get(vote=vote).origin == "online"

    # Staff enter the five other owners' signed paper sheets, close and announce.
    login(page, world.staff.username)
    page.goto(page.base + f"/council/staff/{vote.pk}/")
    keys = dict(VoteUnit.objects.filter(vote=vote).values_list("label", "owner_key"))
    for i, label in enumerate(sorted(keys)[1:]):
        page.select_option("select[name=owner]", keys[label])
        page.select_option("select[name=choice]", "yes" if i < 4 else "no")
        page.select_option("select[name=origin]", "paper")
        page.fill("input[name=sheet_ref]", f"DT-{i:03d}")
        page.click("button:has-text('录入选票')")
        page.wait_for_selector("text=选票已录入")
    assert page.is_visible("text=参与表决的面积和人数均已达到三分之二")
    page.click("button:has-text('截止并计票')")
    page.wait_for_selector("#result")
    page.click("button:has-text('公告结果')")
    page.wait_for_selector("text=结果已公告")
    assert Vote.objects.get(pk=vote.pk).status == "announced"

    # 5 of 6 agree (5/6 ≥ 3/4) and the occupied unit's owner agreed: passed; public on the phone.
    phone.goto(phone.base + f"/council/results/{vote.pk}/")
    phone.wait_for_selector("text=业主表决结果公告")
    assert phone.inner_text(".verdict") == "通过"
    assert "DT-000" not in phone.content()
    fits(phone)
