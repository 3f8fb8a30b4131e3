"""`doorstep tally FILE.json` as a committee counting paper ballots uses it: JSON in, JSON out,
a Chinese message and exit status 2 for input it cannot count."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

DOORSTEP = str(Path(sys.executable).with_name("doorstep"))


def hundred_units():
    return [{"id": f"1-{i:03d}", "area": "100.00", "owner": f"owner-{i}"} for i in range(100)]


def vote(matter, voted, agreed, **extra):
    units = hundred_units()
    ballots = [
        {"unit": u["id"], "choice": "yes" if i < agreed else "no"} for i, u in enumerate(units[:voted])
    ]
    return {"matter": matter, "units": units, "ballots": ballots, "follow_majority": False, **extra}


def example_5():
    units = [{"id": f"B-{i}", "area": "100", "owner": "big"} for i in range(4)]
    units += [{"id": f"S-{i}", "area": "100", "owner": f"small-{i}"} for i in range(6)]
    return {"matter": 1, "units": units, "ballots": [{"unit": f"S-{i}", "choice": "yes"} for i in range(6)]}


# The worked examples of shared/domain/owners-vote.md: (input, passed, failed, turnout, consent).
EXAMPLES = [
    (vote(1, 70, 36), True, [], ("0.700000", "0.700000"), ("0.514286", "0.514286")),
    (vote(1, 66, 50), False, ["turnout_area", "turnout_headcount"], ("0.660000", "0.660000"), None),
    (vote(6, 80, 60), True, [], ("0.800000", "0.800000"), ("0.750000", "0.750000")),
    (vote(6, 80, 59), False, ["consent_area", "consent_headcount"], None, ("0.737500", "0.737500")),
    (vote(1, 70, 35), False, ["consent_area", "consent_headcount"], None, ("0.500000", "0.500000")),
    (example_5(), False, ["turnout_area"], ("0.600000", "0.857143"), ("1.000000", "1.000000")),
]


def run_command(data, tmp_path):
    path = tmp_path / "vote.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("tally", str(path), stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize(
    ("data", "passed", "failed", "turnout", "consent"), EXAMPLES, ids=["1", "2", "3a", "3b", "4", "5"]
)
def test_worked_examples(data, passed, failed, turnout, consent, tmp_path):
    result = run_command(data, tmp_path)
    assert result["passed"] is passed
    assert result["failed"] == failed
    if turnout:
        assert (result["turnout"]["area"], result["turnout"]["headcount"]) == turnout
    if consent:
        assert (result["consent"]["area"], result["consent"]["headcount"]) == consent
    assert result["reason"].startswith("通过" if passed else "未通过")


def test_output_shape(tmp_path):
    result = run_command(example_5(), tmp_path)
    assert result["matter"] == 1 and result["kind"] == "ordinary"
    assert result["total"] == {"area": "1000", "headcount": 7}
    assert result["participated"] == {"area": "600", "headcount": 6}
    assert result["turnout"]["area_exact"] == "3/5" and result["turnout"]["headcount_exact"] == "6/7"
    assert result["follow_majority"] == {
        "enabled": False,
        "used": False,
        "side": None,
        "added": {"area": "0", "headcount": 0},
    }
    assert result["reason"] == "未通过：参与表决的专有部分面积占比 60.00%，未达到三分之二。"


def test_numbers_with_a_fraction_are_read_exactly(tmp_path):
    path = tmp_path / "vote.json"
    path.write_text(
        '{"matter": "279", "units": [{"id": "a", "area": 0.1, "owner": "x"}, {"id": "b", "area": 0.2, '
        '"owner": "y"}], "ballots": [{"unit": "a", "choice": "yes"}, {"unit": "b", "choice": "yes"}]}'
    )
    out = io.StringIO()
    call_command("tally", str(path), stdout=out)
    result = json.loads(out.getvalue())
    assert result["total"]["area"] == "0.3" and result["passed"] is True
    assert result["reason"] == "通过：有利害关系的业主全部同意（第二百七十九条）。"


def shell(*args, tmp_path, stdin=None):
    env = {**os.environ, "DOORSTEP_DATA_DIR": str(tmp_path), "LANG": "C.UTF-8"}
    env.pop("DOORSTEP_DATABASE_URL", None)
    return subprocess.run(
        [DOORSTEP, "tally", *args], capture_output=True, text=True, env=env, input=stdin, timeout=60
    )


def test_from_the_shell_with_standard_input(tmp_path):
    result = shell("-", tmp_path=tmp_path, stdin=json.dumps(vote(1, 70, 36)))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["passed"] is True


CONFLICT = {
    "matter": 1,
    "units": [{"id": "1", "area": "80", "owner": "li"}, {"id": "2", "area": "90", "owner": "li"}],
    "ballots": [{"unit": "1", "choice": "yes"}, {"unit": "2", "choice": "no"}],
}
BAD = [
    ("conflict", json.dumps(CONFLICT), "同一业主的选票相互矛盾：1 与 2 的选择不同"),
    ("unknown unit", json.dumps({**CONFLICT, "ballots": [{"unit": "9", "choice": "yes"}]}), "未知房屋 9"),
    (
        "negative area",
        json.dumps({**CONFLICT, "units": [{"id": "1", "area": "-80", "owner": "li"}], "ballots": []}),
        "房屋 1：面积为负数（-80 平方米）",
    ),
    (
        "malformed decimal",
        json.dumps({**CONFLICT, "units": [{"id": "1", "area": "八十", "owner": "li"}], "ballots": []}),
        "面积须为十进制数字字符串",
    ),
    ("malformed JSON", '{"matter": 1, "units": [', "不是有效的 JSON（第 1 行"),
    ("not an object", "[1, 2]", "输入须为包含 matter、units 和 ballots 的 JSON 对象"),
    ("missing field", json.dumps({"matter": 1, "units": []}), "缺少字段：ballots"),
    ("bad matter", json.dumps({**CONFLICT, "matter": 10, "ballots": []}), "表决事项须为 1 至 9"),
    ("bad choice", json.dumps({**CONFLICT, "ballots": [{"unit": "1", "choice": "y"}]}), "yes、no 或 abstain"),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_2_with_a_chinese_message(case, text, message, tmp_path):
    path = tmp_path / "vote.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        call_command("tally", str(path), stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert exited.value.code == 2
    assert err.getvalue().startswith("输入有误：") and message in err.getvalue()


def test_bad_input_from_the_shell(tmp_path):
    path = tmp_path / "vote.json"
    path.write_text(json.dumps(CONFLICT), encoding="utf-8")
    result = shell(str(path), tmp_path=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert "同一业主的选票相互矛盾" in result.stderr
    missing = shell(str(tmp_path / "nope.json"), tmp_path=tmp_path)
    assert missing.returncode == 2 and "无法读取" in missing.stderr
