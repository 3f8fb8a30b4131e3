"""`doorstep calendar …` as an admin types it: JSON out, clear errors and exit status 2 on bad input."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from doorstep.cli import main
from doorstep.core.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

SCHEDULE_2027 = """date,kind,name
# 国务院办公厅关于2027年部分节假日安排的通知（示例）
2027-01-01,holiday,元旦
2027-02-06~2027-02-12,holiday,春节
2027-02-14,workday,调休上班
2027-04-05,holiday,清明节
"""


def run(capsys, *argv):
    """Run the command in this process; return (exit status, stdout, stderr).

    The exit status is the one `doorstep` exits with (CommandError.returncode). Django's
    command-line runner closes the database connection afterwards, which would end the test's
    transaction, so the command runs through call_command; argparse mistakes, which stop before
    the database is touched, go through the real console entry point.
    """
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*argv, stdout=out, stderr=err)
        return 0, out.getvalue(), err.getvalue()
    except CommandError as exc:
        if str(exc).startswith("Error: "):  # argparse: replay it as the console does
            try:
                main(list(argv))
            except SystemExit as stop:
                captured = capsys.readouterr()
                return stop.code, captured.out, captured.err
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["2025-09-30", "5"],
            {"start": "2025-09-30", "working_days": 5, "result": "2025-10-14", "fallback": False},
        ),
        (
            ["2026-02-13", "3"],
            {"start": "2026-02-13", "working_days": 3, "result": "2026-02-25", "fallback": False},
        ),
        (
            ["2025-09-30", "5", "--count-start-day"],
            {"start": "2025-09-30", "working_days": 5, "result": "2025-10-13", "fallback": False},
        ),
        (
            ["2025-10-14", "-5"],
            {"start": "2025-10-14", "working_days": -5, "result": "2025-09-30", "fallback": False},
        ),
    ],
)
def test_add_working_days(capsys, argv, expected):
    code, out, err = run(capsys, "calendar", "add", *argv)
    assert code == 0, err
    assert json.loads(out) == expected


def test_add_working_hours(capsys):
    code, out, err = run(capsys, "calendar", "add", "2025-09-30T16:00", "8", "--hours")
    assert code == 0, err
    data = json.loads(out)
    assert data["start"] == "2025-09-30T16:00:00+08:00"
    assert data["working_hours"] == 8
    assert data["result"] == "2025-10-09T17:30:00+08:00"
    assert data["fallback"] is False
    assert data["office_hours"] == {"blocks": ["08:30-12:00", "14:30-17:30"]}


def test_add_working_hours_with_an_own_schedule(capsys):
    code, out, _err = run(
        capsys, "calendar", "add", "2025-09-30 16:00", "1.5", "--hours", "--schedule", '["09:00-17:00"]'
    )
    assert code == 0
    assert json.loads(out)["result"] == "2025-10-09T09:30:00+08:00"


def test_add_into_a_year_without_data_says_fallback(capsys):
    code, out, err = run(capsys, "calendar", "add", "2026-12-28", "5")
    assert code == 0
    data = json.loads(out)
    assert data["result"] == "2027-01-04"
    assert data["fallback"] is True
    assert data["missing_years"] == [2027]
    assert "2027" in data["warning"]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["add", "2025-13-01", "5"], "2025-13-01"),
        (["add", "2025-09-30", "five"], "five"),
        (["add", "2025-09-30", "1.5"], "1.5"),
        (["add", "yesterday", "5", "--hours"], "yesterday"),
        (["add", "2025-09-30", "-1", "--hours"], "-1"),
        (["add", "2025-09-30", "8", "--hours", "--schedule", '["12:00-08:00"]'], "办公时间"),
        (["add", "2025-09-30", "8", "--schedule", '["08:00-12:00"]'], "--hours"),
        (["add", "2025-09-30", "8", "--hours", "--org", "999999"], "999999"),
        (["add", "2025-09-30"], "n"),
        (["frobnicate"], "frobnicate"),
        (["import", "/nonexistent/2027.csv"], "2027.csv"),
        (["export", "1999"], "1999"),
    ],
)
def test_bad_input_exits_2_with_a_message_on_stderr(capsys, argv, fragment):
    code, out, err = run(capsys, "calendar", *argv)
    assert code == 2
    assert out == ""
    assert fragment in err


def test_check_a_day(capsys):
    code, out, _err = run(capsys, "calendar", "check", "2025-10-11")
    assert code == 0
    assert json.loads(out) == {
        "date": "2025-10-11",
        "workday": True,
        "name": "调休上班（国庆节）",
        "fallback": False,
    }


def test_status_lists_the_years_with_data(capsys):
    code, out, _err = run(capsys, "calendar", "status")
    assert code == 0
    data = json.loads(out)
    years = {row["year"]: row for row in data["years"]}
    assert set(range(2004, 2027)) <= set(years)
    assert years[2025]["source"] == "package"
    assert years[2025]["adjusted_workdays"] == 5


def test_import_then_status_then_export(capsys, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    code, out, err = run(capsys, "calendar", "import", str(path), "--note", "国办发明电〔2026〕7号")
    assert code == 0, err
    assert json.loads(out) == {"year": 2027, "days": 10, "other_days": 0, "replaced": False, "dry_run": False}
    year = CalendarYear.objects.get(year=2027)
    assert year.source == CalendarYear.Source.IMPORT
    assert year.note == "国办发明电〔2026〕7号"
    assert CalendarDay.objects.get(date="2027-02-14").is_workday is True

    code, out, _err = run(capsys, "calendar", "add", "2027-02-05", "1")
    assert json.loads(out) == {
        "start": "2027-02-05",
        "working_days": 1,
        "result": "2027-02-14",
        "fallback": False,
    }

    code, out, _err = run(capsys, "calendar", "export", "2027")
    assert code == 0
    assert "2027-02-06,holiday,春节" in out
    assert "2027-02-14,workday,调休上班" in out


def test_importing_a_year_twice_needs_replace(capsys, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    assert run(capsys, "calendar", "import", str(path))[0] == 0
    code, out, err = run(capsys, "calendar", "import", str(path))
    assert code == 2
    assert "2027" in err and "replace" in err
    code, out, err = run(capsys, "calendar", "import", str(path), "--replace")
    assert code == 0, err
    assert json.loads(out)["replaced"] is True


def test_a_bad_file_names_every_bad_line_and_writes_nothing(capsys, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(
        "2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2027-02-15,workday,\n2027-03-01,maybe,x\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "calendar", "import", str(path))
    assert code == 2
    assert "第 2 行" in err and "2027-02-30" in err
    assert "第 3 行" in err and "星期一" in err
    assert "第 4 行" in err and "maybe" in err
    assert "第 1 行" not in err
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_dry_run_checks_without_writing(capsys, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    code, out, _err = run(capsys, "calendar", "import", str(path), "--dry-run")
    assert code == 0
    assert json.loads(out)["dry_run"] is True
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_installed_command_end_to_end(tmp_path):
    """The real `doorstep` executable on a fresh database: migrate seeds the calendar."""
    exe = Path(sys.executable).with_name("doorstep")
    env = {
        **os.environ,
        "DOORSTEP_DATA_DIR": str(tmp_path),
        "DOORSTEP_DATABASE_URL": "",
        "DOORSTEP_LOG_LEVEL": "ERROR",
    }
    subprocess.run([exe, "migrate", "-v", "0"], env=env, check=True, timeout=300)
    ok = subprocess.run([exe, "calendar", "add", "2025-09-30", "5"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {
        "start": "2025-09-30",
        "working_days": 5,
        "result": "2025-10-14",
        "fallback": False,
    }
    bad = subprocess.run([exe, "calendar", "add", "2025-02-30", "5"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert "2025-02-30" in bad.stderr and "不是日期" in bad.stderr
