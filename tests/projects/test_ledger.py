"""「算笔账」: amounts are exact yuan with two places; budget against spending per line, per account
and in total; over budget is shown."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from doorstep.projects import services
from doorstep.projects.ledger import Sums, parse_amount, summarize
from doorstep.projects.models import LedgerLine
from tests.projects.world import elevator_project, world

D = Decimal


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0", "0.00"),
        ("12", "12.00"),
        ("12.3", "12.30"),
        ("12.34", "12.34"),
        ("1,234,567.89", "1234567.89"),
        ("¥ 560000", "560000.00"),
        ("3000元", "3000.00"),
        (" 0.10 ", "0.10"),
        (D("7.5"), "7.50"),
        (42, "42.00"),
    ],
)
def test_amounts_are_parsed_exactly(text, expected):
    assert parse_amount(text) == D(expected)
    assert str(parse_amount(text)) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("-1", "不能为负数"),
        ("12.345", "最多两位小数"),
        ("abc", "不是以元为单位的金额"),
        ("", "不是以元为单位的金额"),
        ("NaN", "不是以元为单位的金额"),
        ("1e15", "金额过大"),
        (0.1, "请以文本形式"),
    ],
)
def test_bad_amounts_are_refused_in_chinese(text, message):
    with pytest.raises(ValidationError) as exc:
        parse_amount(text, label="预算")
    assert message in " ".join(exc.value.messages)


class Line:
    def __init__(self, kind, budget, spent):
        self.kind, self.kind_id, self.budget, self.spent = kind, kind, D(budget), D(spent)


# An elevator retrofit in an old six-storey stairwell (the seed's "elevators" among the problems
# solved by deliberation): money from policy subsidy, owners, maintenance fund; each row is
# (account, budget, spent).
ELEVATOR = [
    ("政策账", "200000.00", "200000.00"),  # city subsidy for old-building elevators
    ("经济账", "330000.00", "341250.50"),  # owners' share by floor: over budget
    ("经济账", "30000.00", "12000.10"),  # maintenance fund
    ("民生账", "0.00", "0.00"),  # 18 households, 11 elderly: no money, still an account
    ("资源账", "15000.00", "14999.99"),  # a co-building unit's design work
]


@pytest.mark.parametrize(
    "lines, budget, spent, balance, over, per_account",
    [
        ([], "0.00", "0.00", "0.00", False, {}),
        ([("政策账", "0.10", "0.20")], "0.10", "0.20", "-0.10", True, {"政策账": ("0.10", "0.20", "-0.10")}),
        (
            # float would give 0.30000000000000004; Decimal adds exactly
            [("经济账", "0.10", "0.10"), ("经济账", "0.20", "0.20")],
            "0.30",
            "0.30",
            "0.00",
            False,
            {"经济账": ("0.30", "0.30", "0.00")},
        ),
        (
            ELEVATOR,
            "575000.00",
            "568250.59",
            "6749.41",
            False,
            {
                "政策账": ("200000.00", "200000.00", "0.00"),
                "经济账": ("360000.00", "353250.60", "6749.40"),
                "民生账": ("0.00", "0.00", "0.00"),
                "资源账": ("15000.00", "14999.99", "0.01"),
            },
        ),
        (
            [("政策账", "99999999999.99", "99999999999.99"), ("经济账", "0.01", "0.02")],
            "100000000000.00",
            "100000000000.01",
            "-0.01",
            True,
            {"政策账": ("99999999999.99", "99999999999.99", "0.00"), "经济账": ("0.01", "0.02", "-0.01")},
        ),
    ],
)
def test_ledger_sums_per_account_and_in_total(lines, budget, spent, balance, over, per_account):
    ledger = summarize([Line(*row) for row in lines])
    assert (str(ledger.total.budget), str(ledger.total.spent), str(ledger.total.balance)) == (
        budget,
        spent,
        balance,
    )
    assert ledger.total.over is over
    got = {a.kind: (str(a.sums.budget), str(a.sums.spent), str(a.sums.balance)) for a in ledger.accounts}
    assert got == per_account
    assert [a.kind for a in ledger.accounts] == list(per_account)  # in the order lines came


def test_lines_over_budget_are_named_even_when_the_total_is_within():
    ledger = summarize([Line(*row) for row in ELEVATOR])
    assert [(line.kind, str(line.sums.overrun)) for line in ledger.lines_over] == [("经济账", "11250.50")]
    assert not ledger.total.over


@pytest.mark.parametrize(
    "budget, spent, percent",
    [
        ("0.00", "5.00", None),
        ("3.00", "1.00", D("33.3")),
        ("200.00", "300.00", D("150.0")),
        ("8.00", "0", D("0.0")),
    ],
)
def test_share_spent(budget, spent, percent):
    assert Sums(D(budget), D(spent)).percent_spent == percent


def test_ledger_lines_saved_and_read_back_exactly(db):
    w = world()
    project = elevator_project(w)
    for kind, budget, spent in [("policy", "200000", "200000"), ("economic", "330000.00", "341250.5")]:
        services.add_line(project, kind=w.kinds[kind], item=kind, budget=budget, spent=spent, by=w.staff)
    line = LedgerLine.objects.get(item="economic")
    assert (line.budget, line.spent) == (D("330000.00"), D("341250.50"))
    services.change_line(line, spent="341,250.51", by=w.staff)
    line.refresh_from_db()
    assert line.spent == D("341250.51")
    with pytest.raises(ValidationError):
        services.change_line(line, budget="-5", by=w.staff)
    line.refresh_from_db()
    assert line.budget == D("330000.00")  # nothing changed


def test_ledger_page_shows_totals_and_over_budget(client, db):
    w = world()
    project = elevator_project(w)
    services.add_line(
        project, kind=w.kinds["policy"], item="市级补助", budget="200000", spent="150000", by=w.staff
    )
    services.add_line(
        project, kind=w.kinds["economic"], item="业主分摊", budget="330000", spent="341250.50", by=w.staff
    )
    client.force_login(w.staff)
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert "530000.00" in html and "491250.50" in html and "38749.50" in html
    assert "超支" in html
    assert "1 行超出预算" in html
    services.add_line(
        project, kind=w.kinds["livelihood"], item="临时出行", budget="0", spent="40000", by=w.staff
    )
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert "超出预算 1250.50 元" in html


@pytest.mark.parametrize(
    "value, shown",
    [
        (None, "0.00"),
        ("", "0.00"),
        (D("150.100000000"), "150.10"),
        (0, "0.00"),
        (D("7"), "7.00"),
        (12.5, "12.50"),
    ],
)
def test_sums_read_back_with_two_places(value, shown):
    from doorstep.projects.ledger import yuan

    assert str(yuan(value)) == shown


def test_the_city_adds_its_own_account_kinds_and_retires_them(client, db):
    from doorstep.projects.models import AccountKind

    w = world()
    project = elevator_project(w)
    green = AccountKind.objects.create(code="green", name="低碳账", position=70)
    services.add_line(project, kind=green, item="节能电梯差价", budget="8000", by=w.staff)
    client.force_login(w.staff)
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert "低碳账" in html and "低碳账小计" in html
    green.active = False
    green.save()
    with pytest.raises(ValidationError) as exc:
        services.add_line(project, kind=green, item="x", budget="1", by=w.staff)
    assert "已停用" in " ".join(exc.value.messages)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert f'<option value="{green.pk}">低碳账' not in page
