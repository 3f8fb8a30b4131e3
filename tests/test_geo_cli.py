"""`doorstep geo convert` / `doorstep geo locate` as an administrator uses them: JSON out, exit 2 on bad input."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from doorstep.core.coords import from_wgs84
from doorstep.territory import locate as locate_module

DOORSTEP = str(Path(sys.executable).with_name("doorstep"))


def run(*args, tmp_path):
    env = {**os.environ, "DOORSTEP_DATA_DIR": str(tmp_path), "LANG": "C.UTF-8"}
    env.pop("DOORSTEP_DATABASE_URL", None)
    return subprocess.run([DOORSTEP, "geo", *args], capture_output=True, text=True, env=env, timeout=60)


# (from, to, input, expected output) — vectors of shared/domain/geo.md.
CONVERSIONS = [
    ("wgs84", "gcj02", ("116.404", "39.915"), (116.41024449916938, 39.91640428150164)),
    ("gcj02", "bd09", ("116.404", "39.915"), (116.41036949371029, 39.92133699351021)),
    ("bd09", "gcj02", ("116.404", "39.915"), (116.39762729119315, 39.90865673957631)),
    ("wgs84", "bd09", ("114.400039", "27.81113"), (114.41189680014341, 27.81378060816565)),
    ("gcj02", "wgs84", ("114.40535605236072", "27.80803247933747"), (114.400039, 27.81113)),
    ("bd09", "wgs84", ("114.41189680014341", "27.81378060816565"), (114.400039, 27.81113)),
    ("gcj02", "wgs84", ("-0.1276", "51.5072"), (-0.1276, 51.5072)),  # London: outside China, unchanged
]


@pytest.mark.parametrize(("src", "dst", "given", "expected"), CONVERSIONS)
def test_convert_prints_json(src, dst, given, expected):
    out = io.StringIO()
    call_command("geo", "convert", "--from", src, "--to", dst, *given, stdout=out)
    data = json.loads(out.getvalue())
    assert data["input"] == {"lng": float(given[0]), "lat": float(given[1]), "system": src}
    assert data["output"]["system"] == dst
    assert data["output"]["lng"] == pytest.approx(expected[0], abs=5e-6)  # ≤ 0.5 m
    assert data["output"]["lat"] == pytest.approx(expected[1], abs=5e-6)


def test_convert_from_the_shell(tmp_path):
    result = run(
        "convert",
        "--from",
        "gcj02",
        "--to",
        "wgs84",
        "114.40535605236072",
        "27.80803247933747",
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)["output"]
    assert output["lng"] == pytest.approx(114.400039, abs=1e-7)
    assert output["lat"] == pytest.approx(27.81113, abs=1e-7)
    assert 550 < json.loads(result.stdout)["offset_m"] < 700  # the GCJ-02 offset in Yichun


# (arguments, what stderr says) — every one exits with status 2 and prints nothing on stdout.
BAD = [
    (["convert", "--from", "gcj02", "--to", "wgs84", "200", "27.8"], "经度必须在 -180 到 180 之间"),
    (["convert", "--from", "gcj02", "--to", "wgs84", "114.4", "abc"], "纬度必须是数字"),
    (["convert", "--from", "gcj02", "--to", "wgs84", "nan", "27.8"], "经度必须是有限的数字"),
    (["convert", "--from", "mars", "--to", "wgs84", "114.4", "27.8"], "invalid choice: 'mars'"),
    (["convert", "--to", "wgs84", "114.4", "27.8"], "--from"),
    (["convert", "--from", "gcj02", "--to", "wgs84", "114.4"], "lat"),
    (["locate", "114.4", "-91"], "纬度必须在 -90 到 90 之间"),
    (["locate", "x", "y", "--system", "gcj02"], "经度必须是数字；纬度必须是数字"),
    (["locate", "114.4", "27.8", "--system", "baidu"], "invalid choice: 'baidu'"),
    (["teleport"], "invalid choice: 'teleport'"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_exits_2_with_a_message(tmp_path, args, message):
    result = run(*args, tmp_path=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


@pytest.fixture
def fresh_index():
    locate_module.index().reset()
    yield
    locate_module.index().reset()


@pytest.mark.parametrize("system", ["wgs84", "gcj02", "bd09"])
def test_locate_prints_the_places(city, fresh_index, system):
    lng, lat = from_wgs84(114.38, 27.80, system)
    out = io.StringIO()
    call_command("geo", "locate", str(lng), str(lat), "--system", system, stdout=out)
    data = json.loads(out.getvalue())
    assert data["inside"] is True
    assert data["compound"]["name"] == "都市春天小区"
    assert data["community"]["name"] == "宜阳社区"
    assert data["subdistrict"]["name"] == "秀江街道"
    assert data["county"] == {"id": city.county_a.id, "name": "袁州区", "code": "360902"}
    assert data["city"]["name"] == "宜春市"
    assert data["input"]["system"] == system
    assert data["point"]["lng"] == pytest.approx(114.38, abs=1e-6)
    assert data["address"] == "宜春市袁州区秀江街道宜阳社区都市春天小区"


def test_locate_outside(city, fresh_index):
    out = io.StringIO()
    call_command("geo", "locate", "113.0", "27.0", stdout=out)
    data = json.loads(out.getvalue())
    assert data["inside"] is False
    assert data["compound"] is None and data["city"] is None
    assert data["message"] == "该位置不在辖区范围内。"
