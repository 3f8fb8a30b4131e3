"""Roster import speed: 100,000 dwellings (with their compounds and buildings) from one workbook.

Prints the import rate and compares it with two baselines measured in the same run on the same
machine: merely reading the workbook with openpyxl (read-only mode), and a bare bulk_create of
the same Dwelling rows. Uses a throw-away SQLite file; never fails on time.

    .venv/bin/python bench/import_dwellings.py [--dwellings 100000]
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_TMP = tempfile.mkdtemp(prefix="doorstep-bench-import-")
os.environ["DOORSTEP_DATA_DIR"] = _TMP
os.environ.pop("DOORSTEP_DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from doorstep.territory.models import Building, Dwelling, Region  # noqa: E402
from doorstep.territory.roster import exporter, services  # noqa: E402

BUILDINGS_PER_COMPOUND = 25
UNITS = 2
FLOORS = 5
ROOMS_PER_FLOOR = 2
PER_BUILDING = UNITS * FLOORS * ROOMS_PER_FLOOR  # 20


def territory() -> Region:
    L = Region.Level
    city = Region.objects.create(name="宜春市", level=L.CITY, code="360900", code_is_official=True)
    county = Region.objects.create(
        name="袁州区", level=L.COUNTY, code="360902", parent=city, code_is_official=True
    )
    sub = Region.objects.create(name="秀江街道", level=L.SUBDISTRICT, code="360902002", parent=county)
    return Region.objects.create(name="宜阳社区", level=L.COMMUNITY, code="360902002001", parent=sub)


def workbook_rows(community: Region, dwellings: int) -> dict[str, list[tuple]]:
    buildings_needed = -(-dwellings // PER_BUILDING)
    compounds_needed = -(-buildings_needed // BUILDINGS_PER_COMPOUND)
    compounds = [
        (f"C{c:05d}", f"春天里{c}号小区", community.code, "", "是" if c % 3 else "否", 1990 + c % 30)
        for c in range(compounds_needed)
    ]
    buildings, rows = [], []
    for b in range(buildings_needed):
        code = compounds[b // BUILDINGS_PER_COMPOUND][0]
        number = f"{b % BUILDINGS_PER_COMPOUND + 1}栋"
        buildings.append((code, number, FLOORS, UNITS, "无", None))
        for unit in range(1, UNITS + 1):
            for floor in range(1, FLOORS + 1):
                for r in range(1, ROOMS_PER_FLOOR + 1):
                    if len(rows) < dwellings:
                        area = Decimal(60 + (b * 7 + floor * 3 + r) % 90) + Decimal((b + r) % 100) / 100
                        rows.append(
                            (code, number, unit, f"{floor}{r:02d}", floor, str(area), "住宅", "不动产登记")
                        )
    return {"compounds": compounds, "buildings": buildings, "dwellings": rows}


def timed(label: str, fn):
    """Wall time is the figure; CPU time shows how much of it other work on the machine took."""
    started, cpu = time.perf_counter(), time.process_time()
    result = fn()
    seconds = time.perf_counter() - started
    print(f"  {label:<46} {seconds:8.2f} s wall {time.process_time() - cpu:8.2f} s cpu")
    return result, seconds


def read_only_scan(path: Path) -> int:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    n = 0
    for ws in workbook.worksheets:
        for _values in ws.iter_rows(values_only=True):
            n += 1
    workbook.close()
    return n


def bare_bulk_create(rows: list[tuple]) -> None:
    building_pk = {
        (code, number): pk
        for pk, code, number in Building.objects.values_list("pk", "compound__code", "number")
    }
    objs = [
        Dwelling(
            building_id=building_pk[(code, number)],
            stairwell_unit=unit,
            room=room,
            floor=floor,
            exclusive_area=Decimal(area),
            use="residential",
            area_source="register",
        )
        for code, number, unit, room, floor, area, _use, _source in rows
    ]
    with transaction.atomic():
        Dwelling.objects.bulk_create(objs, batch_size=1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dwellings", type=int, default=100_000)
    args = parser.parse_args()
    try:
        call_command("migrate", verbosity=0)
        community = territory()
        data = workbook_rows(community, args.dwellings)
        path = Path(_TMP) / "dwellings.xlsx"
        n_dw, n_b, n_c = len(data["dwellings"]), len(data["buildings"]), len(data["compounds"])
        print(f"roster import bench: {n_dw:,} dwellings in {n_b:,} buildings of {n_c:,} compounds (SQLite)")
        timed("write the workbook (openpyxl write-only)", lambda: exporter.write_workbook(path, data))
        print(f"  workbook size {path.stat().st_size / 1024 / 1024:.1f} MB")

        _rows, read_s = timed("baseline: read every row (openpyxl read-only)", lambda: read_only_scan(path))
        report, import_s = timed(
            "import (check everything, then write)", lambda: services.import_roster(path)
        )
        assert report.ok and report.written, report.as_text(services.SHEET_ORDER)[:2000]
        assert Dwelling.objects.count() == n_dw
        again, reimport_s = timed(
            "re-import the same workbook (all unchanged)", lambda: services.import_roster(path)
        )
        assert again.ok and Dwelling.objects.count() == n_dw
        _dry, dry_s = timed("dry run (check only)", lambda: services.import_roster(path, dry_run=True))

        rows = data["dwellings"]
        Dwelling.objects.all().delete()
        _none, bulk_s = timed("baseline: bare bulk_create of the dwellings", lambda: bare_bulk_create(rows))

        total = n_dw + n_b + n_c
        print()
        print(
            f"import rate: {n_dw / import_s:,.0f} dwellings/s ({total / import_s:,.0f} rows/s, {import_s:.1f} s in all)"
        )
        print(
            f"re-import rate: {n_dw / reimport_s:,.0f} dwellings/s; dry run {n_dw / dry_s:,.0f} dwellings/s"
        )
        print(f"ratio import / read-only scan of the workbook: {import_s / read_s:.2f}x")
        print(f"ratio import / bare bulk_create of the same dwellings: {import_s / bulk_s:.2f}x")
        verdict = "under" if import_s < 60 else "OVER"
        print(f"{n_dw:,} dwellings imported in {import_s:.1f} s: {verdict} one minute")
    finally:
        shutil.rmtree(_TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
