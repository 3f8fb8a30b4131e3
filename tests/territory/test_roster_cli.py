"""`doorstep import` / `doorstep export`: the report goes to stderr with exit status 2, nothing is
written on error; --dry-run and --as; the template and region exports."""

import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from doorstep.core.models import PiiAccess
from doorstep.territory.models import Dwelling, Region
from tests import factories
from tests.territory.test_roster_import import bad_records, book, counts, good_records

ROOT = Path(__file__).resolve().parents[2]


def save(tmp_path, records, name="roster.xlsx") -> str:
    path = tmp_path / name
    path.write_bytes(book(records).getvalue())
    return str(path)


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_what_it_did(city, tmp_path):
    out, _err = run("import", save(tmp_path, good_records()))
    assert "导入完成" in out and "房屋: 新增 3" in out
    assert Dwelling.objects.count() == 3


def test_a_bad_workbook_prints_the_report_to_stderr_exits_2_and_writes_nothing(city, tmp_path):
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import", save(tmp_path, bad_records()), stderr=err)
    assert failure.value.returncode == 2
    assert counts() == before
    report = err.getvalue()
    assert "房屋 第6行 「专有部分面积（㎡）」：面积必须是正数，最多两位小数" in report
    assert "业主 第7行 「身份证号」" in report
    assert "未写入任何数据" in str(failure.value)


def test_dry_run_writes_nothing(city, tmp_path):
    before = counts()
    out, _err = run("import", save(tmp_path, good_records()), "--dry-run")
    assert "试导入" in out
    assert counts() == before


def test_import_as_a_user_keeps_to_their_area(city, tmp_path):
    factories.role("community_staff", city.community_b, username="jinyang")
    with pytest.raises(CommandError):
        call_command("import", save(tmp_path, good_records()), "--as", "jinyang", stderr=io.StringIO())
    with pytest.raises(CommandError, match="用户不存在"):
        call_command("import", save(tmp_path, good_records()), "--as", "nobody")


def test_export_template_and_region(city, tmp_path):
    run("import", save(tmp_path, good_records()))
    template = tmp_path / "template.xlsx"
    run("export", str(template), "--template")
    assert openpyxl.load_workbook(template).sheetnames[1:3] == ["区域", "小区"]

    target = tmp_path / "yuanshan.xlsx"
    out, _err = run("export", str(target), "--region", "360902002001")
    assert "房屋: 3" in out
    rows = list(openpyxl.load_workbook(target)["房屋"].iter_rows(min_row=3, values_only=True))
    assert len(rows) == 3
    with pytest.raises(CommandError, match="没有代码为"):
        run("export", str(target), "--region", "000")


def test_a_full_export_from_the_command_line_names_the_user_and_is_logged(city, tmp_path):
    run("import", save(tmp_path, good_records()))
    community = Region.objects.get(code="360902002001")
    factories.role("community_staff", community, username="yuanshan")
    target = str(tmp_path / "full.xlsx")
    with pytest.raises(CommandError, match="--as"):
        run("export", target, "--full", "--reason", "普查")
    run("export", target, "--region", community.code, "--full", "--as", "yuanshan", "--reason", "普查")
    assert PiiAccess.objects.get().reason.endswith("普查")


def test_the_doorstep_command_exits_with_status_2(tmp_path):
    """The real console command: a file that is not a workbook is reported and the status is 2."""
    bad = tmp_path / "not-a-workbook.xlsx"
    bad.write_text("name,area\n")
    env = {**os.environ, "DOORSTEP_DATA_DIR": str(tmp_path), "DOORSTEP_DATABASE_URL": ""}
    doorstep = Path(sys.executable).with_name("doorstep")
    result = subprocess.run(
        [str(doorstep), "import", str(bad)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert result.returncode == 2
    assert "不是 Excel 工作簿" in result.stderr
