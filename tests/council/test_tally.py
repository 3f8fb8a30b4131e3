"""The tally of an owners' vote (Civil Code arts. 278–279) — shared/domain/owners-vote.md's worked
examples as a table, the headcount rules, 从众, and properties that hold for any vote."""

from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.council.tally import Choice, TallyError, Unit, tally


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def compound(n=100, area="100.00"):
    """n units of one owner each."""
    return [Unit(f"u{i}", Decimal(area), f"o{i}") for i in range(n)]


def ballots(voted, agreed, units=None):
    units = units or compound()
    return [(u.id, "yes" if i < agreed else "no") for i, u in enumerate(units[:voted])]


def example_5(big_votes=False):
    units = [Unit(f"big{i}", Decimal("100"), "big") for i in range(4)]
    units += [Unit(f"s{i}", Decimal("100"), f"small{i}") for i in range(6)]
    cast = [(f"s{i}", "yes") for i in range(6)]
    if big_votes:
        cast.append(("big0", "yes"))
    return units, cast


# (example, matter, units, ballots, passed, failed conditions, turnout by area, by headcount)
EXAMPLES = [
    ("1: 70 vote, 36 agree", 1, compound(), ballots(70, 36), True, [], "0.700000", "0.700000"),
    (
        "2: 66 vote",
        1,
        compound(),
        ballots(66, 66),
        False,
        ["turnout_area", "turnout_headcount"],
        "0.660000",
        "0.660000",
    ),
    ("3: major, 80 vote, 60 agree", 6, compound(), ballots(80, 60), True, [], "0.800000", "0.800000"),
    (
        "3: major, 80 vote, 59 agree",
        6,
        compound(),
        ballots(80, 59),
        False,
        ["consent_area", "consent_headcount"],
        "0.800000",
        "0.800000",
    ),
    (
        "4: 70 vote, exactly 35 agree",
        1,
        compound(),
        ballots(70, 35),
        False,
        ["consent_area", "consent_headcount"],
        "0.700000",
        "0.700000",
    ),
    ("5: area and headcount diverge", 1, *example_5(), False, ["turnout_area"], "0.600000", "0.857143"),
]


@pytest.mark.parametrize(
    ("example", "matter", "units", "cast", "passed", "failed", "turnout_area", "turnout_headcount"),
    EXAMPLES,
    ids=[e[0] for e in EXAMPLES],
)
def test_worked_examples(example, matter, units, cast, passed, failed, turnout_area, turnout_headcount):
    result = tally(matter, units, cast).as_dict()
    assert result["passed"] is passed
    assert result["failed"] == failed
    assert result["turnout"]["area"] == turnout_area
    assert result["turnout"]["headcount"] == turnout_headcount
    if passed:
        assert result["reason"].startswith("通过")
    else:
        assert result["reason"].startswith("未通过")


def test_example_2_fails_on_turnout_whatever_the_consent():
    result = tally(1, compound(), ballots(66, 66))
    assert "三分之二" in result.reason and "66.00%" in result.reason
    assert result.consent.area == 1


def test_example_3_three_quarters_is_enough_exactly():
    result = tally(6, compound(), ballots(80, 60))
    assert result.consent.area == Fraction(3, 4) and result.consent.headcount == Fraction(3, 4)
    assert result.as_dict()["consent"]["area_exact"] == "3/4"
    assert "四分之三" in tally(6, compound(), ballots(80, 59)).reason


def test_example_4_exactly_half_is_not_more_than_half():
    result = tally(1, compound(), ballots(70, 35))
    assert result.consent.headcount == Fraction(1, 2)
    assert "未过半数" in result.reason


def test_example_5_counts_the_big_owner_once():
    units, cast = example_5()
    result = tally(1, units, cast)
    assert (result.total.area, result.total.headcount) == (Decimal("1000"), 7)
    assert (result.participated.area, result.participated.headcount) == (Decimal("600"), 6)
    assert result.turnout.headcount == Fraction(6, 7)
    assert "60.00%" in result.reason and "面积" in result.reason
    # One ballot of the big owner brings all four units' area: 1000/1000 and 7/7.
    result = tally(1, *example_5(big_votes=True))
    assert result.passed and result.participated == result.total


def test_two_thirds_of_300_square_metres_compares_exactly():
    units = [
        Unit("a", Decimal("100.00"), "a"),
        Unit("b", Decimal("100.00"), "b"),
        Unit("c", Decimal("100.00"), "c"),
    ]
    result = tally(1, units, [("a", "yes"), ("b", "yes")])
    assert result.turnout.area == Fraction(2, 3) and result.passed
    units[2] = Unit("c", Decimal("100.01"), "c")
    assert tally(1, units, [("a", "yes"), ("b", "yes")]).failed == ("turnout_area",)


def test_abstaining_takes_part_but_does_not_agree():
    result = tally(1, compound(3), [("u0", "yes"), ("u1", "abstain")])
    assert result.participated.headcount == 2 and result.yes.headcount == 1
    assert result.failed == ("consent_area", "consent_headcount")


def test_developer_unsold_units_are_one_person_together():
    units = [Unit(f"d{i}", Decimal("90"), f"dev-{i}", developer_unsold=True) for i in range(5)]
    units += [Unit("x", Decimal("90"), "x"), Unit("y", Decimal("90"), "y")]
    result = tally(1, units, [("x", "yes"), ("y", "yes")])
    assert result.total.headcount == 3  # the developer, x and y
    assert result.turnout.headcount == Fraction(2, 3) and result.turnout.area == Fraction(2, 7)
    with pytest.raises(TallyError, match="同一业主"):
        tally(1, units, [("d0", "yes"), ("d3", "no")])


def test_conflicting_ballots_for_one_owner_are_refused():
    units = [Unit("a1", Decimal("50"), "a"), Unit("a2", Decimal("60"), "a"), Unit("b", Decimal("70"), "b")]
    with pytest.raises(TallyError) as caught:
        tally(1, units, [("a1", "yes"), ("a2", "no"), ("b", "yes")])
    assert caught.value.messages == ["同一业主的选票相互矛盾：a1 与 a2 的选择不同。"]
    # Agreeing ballots of one owner are fine and count the owner once.
    result = tally(1, units, [("a1", "yes"), ("a2", "yes")])
    assert result.yes.headcount == 1 and result.yes.area == Decimal("110")


@pytest.mark.parametrize(
    ("units", "cast", "message"),
    [
        (compound(2), [("nope", "yes")], "未知房屋 nope"),
        (compound(2), [("u0", "yes"), ("u0", "yes")], "u0 有不止一张选票"),
        (compound(2), [("u0", "maybe")], "yes、no 或 abstain"),
        ([Unit("a", Decimal("-1"), "a")], [], "面积为负数"),
        ([Unit("a", Decimal("0"), "a")], [], "面积为零"),
        ([Unit("a", Decimal("1"), "a"), Unit("a", Decimal("1"), "b")], [], "重复列出"),
        ([], [], "没有参与表决的房屋"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message(units, cast, message):
    with pytest.raises(TallyError) as caught:
        tally(1, units, cast)
    assert message in str(caught.value)


@pytest.mark.parametrize("matter", [0, 10, "280", True, "一", None])
def test_matter_must_be_one_of_art_278_or_279(matter):
    with pytest.raises(TallyError, match="279"):
        tally(matter, compound(1), [])


def test_art_279_needs_every_interested_owner():
    units = compound(4)
    everyone = [(u.id, "yes") for u in units]
    assert tally("279", units, everyone).passed
    result = tally("279", units, everyone[:3], follow_majority=True)
    assert not result.passed and result.failed == ("unanimous",)
    assert not result.follow_majority_used  # nobody's consent is presumed under art. 279
    assert "3" in result.reason and "4" in result.reason


def test_follow_majority_counts_non_voters_for_consent_only():
    # 70 of 100 vote, 30 agree, 25 against, 15 abstain: fails on consent without 从众.
    units = compound()
    cast = [(u.id, "yes" if i < 30 else "no" if i < 55 else "abstain") for i, u in enumerate(units[:70])]
    plain = tally(1, units, cast)
    assert plain.failed == ("consent_area", "consent_headcount") and not plain.follow_majority_used
    counted = tally(1, units, cast, follow_majority=True)
    assert counted.passed and counted.follow_majority_used and counted.follow_majority_side == "yes"
    assert counted.consent.headcount == Fraction(60, 100)
    assert counted.turnout == plain.turnout  # never toward turnout
    assert counted.as_dict()["follow_majority"] == {
        "enabled": True,
        "used": True,
        "side": "yes",
        "added": {"area": "3000.00", "headcount": 30},
    }
    assert "未参加表决" in counted.reason


def test_follow_majority_never_reaches_the_turnout_quorum():
    result = tally(1, compound(), ballots(66, 66), follow_majority=True)
    assert result.failed == ("turnout_area", "turnout_headcount")


def test_follow_majority_follows_no_majority_when_area_and_headcount_disagree():
    units = [Unit("big", Decimal("500"), "big")] + [Unit(f"s{i}", Decimal("10"), f"s{i}") for i in range(4)]
    cast = [("big", "yes"), ("s0", "no"), ("s1", "no"), ("s2", "no")]
    result = tally(1, units, cast, follow_majority=True)
    assert result.follow_majority_side is None and not result.follow_majority_used


def test_required_consent_of_the_owners_whose_part_is_occupied():
    units = compound(12)
    cast = [(u.id, "yes") for u in units[1:]] + [("u0", "no")]
    result = tally(7, units, cast, required_consent=["u0"])
    assert result.failed == ("required_consent",) and result.required_consent_missing == ("u0",)
    assert "u0" in result.reason
    assert tally(7, units, [(u.id, "yes") for u in units], required_consent=["u0"]).passed
    # A presumed consent (从众) is not an individual consent.
    result = tally(
        7, units, [(u.id, "yes") for u in units[1:]], follow_majority=True, required_consent=["u0"]
    )
    assert result.failed == ("required_consent",)
    with pytest.raises(TallyError, match="zz"):
        tally(7, units, [], required_consent=["zz"])


# --- properties -----------------------------------------------------------------------------


@st.composite
def votes(draw):
    n_owners = draw(st.integers(1, 12))
    units = []
    for owner in range(n_owners):
        for k in range(draw(st.integers(1, 3))):
            cents = draw(st.integers(1, 30_000))
            unsold = owner == 0 and draw(st.booleans())
            units.append(Unit(f"{owner}-{k}", Decimal(cents) / 100, f"o{owner}", unsold))
    heads = {}
    for u in units:
        heads.setdefault(u.head, []).append(u)
    cast = []
    for head_units in heads.values():
        choice = draw(st.sampled_from([None, "yes", "no", "abstain"]))
        if choice:
            chosen = draw(st.lists(st.sampled_from(head_units), min_size=1, unique=True))
            cast += [(u.id, choice) for u in chosen]
    matter = draw(st.sampled_from([1, 2, 5, 6, 7, 8, 9, "279"]))
    return matter, units, cast, draw(st.booleans())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(votes(), st.randoms())
def test_the_tally_does_not_depend_on_order(vote, rnd):
    matter, units, cast, follow = vote
    shuffled_units, shuffled_cast = list(units), list(cast)
    rnd.shuffle(shuffled_units)
    rnd.shuffle(shuffled_cast)
    first = tally(matter, units, cast, follow).as_dict()
    again = tally(matter, shuffled_units, shuffled_cast, follow).as_dict()
    assert first == again


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(votes())
def test_never_passes_below_a_threshold(vote):
    matter, units, cast, follow = vote
    result = tally(matter, units, cast, follow)
    # Recount by hand, without the module: heads, areas, choices.
    head_of = {u.id: ("dev" if u.developer_unsold else u.owner) for u in units}
    area = {}
    for u in units:
        area[head_of[u.id]] = area.get(head_of[u.id], 0) + Fraction(u.area)
    choice = {head_of[unit]: c for unit, c in cast}
    A, N = sum(area.values()), len(area)
    a_p, n_p = sum(area[h] for h in choice), len(choice)
    a_y = sum(area[h] for h, c in choice.items() if c == Choice.YES)
    n_y = sum(1 for c in choice.values() if c == Choice.YES)
    if matter == "279":
        assert result.passed == (n_y == N)
        return
    if result.passed:
        assert 3 * a_p >= 2 * A and 3 * n_p >= 2 * N
        if not follow:
            if matter in (6, 7, 8):
                assert 4 * a_y >= 3 * a_p and 4 * n_y >= 3 * n_p
            else:
                assert 2 * a_y > a_p and 2 * n_y > n_p
        # With 从众 the cast yes still holds the majority over the cast no.
        a_n = sum(area[h] for h, c in choice.items() if c == Choice.NO)
        n_n = sum(1 for c in choice.values() if c == Choice.NO)
        assert a_y > a_n and n_y > n_n
    if not follow:
        assert result.turnout.area == a_p / A and result.consent.headcount == (
            Fraction(n_y, n_p) if n_p else 0
        )
