"""Roster import: read, check every row against the workbook and the database, then write all or nothing.

Checking never writes. It loads what it needs from the database in a few bulk queries (dicts
keyed by natural keys, no per-row queries), walks the sheets in dependency order and builds
plans. Only when no row has a problem, and this is not a dry run, are the plans written in
one transaction (see writer.py).
"""

import time
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.core.regioncodes import parse_region_code
from doorstep.territory.models import Building, Dwelling, Grid, Region

from . import cells, schema
from .people_rows import PeopleRows
from .permissions import SheetRights
from .plans import Plan, changed, chunks
from .reader import Row, SheetData, read_workbook
from .report import Report

L = Region.Level
LEVEL_NAMES = {
    L.CITY: "市",
    L.COUNTY: "县（市、区）",
    L.SUBDISTRICT: "街道（乡镇）",
    L.COMMUNITY: "社区",
    L.COMPOUND: "小区",
}
# The division-code level (core.regioncodes) an official code must have at each region level.
OFFICIAL_LEVEL = {L.CITY: "prefecture", L.COUNTY: "county", L.SUBDISTRICT: "township", L.COMMUNITY: "village"}

_REGION_FIELDS = (
    "name",
    "kind",
    "code_is_official",
    "population",
    "address",
    "is_old_compound",
    "built_year",
)


@dataclass(slots=True)
class RegionInfo:
    """A region as it will be after the import (from the database, the workbook or both)."""

    pk: int | None
    level: int
    parent: str | None  # parent code
    official: bool
    name: str
    where: tuple[str, int] | None = None  # (sheet title, row) when the workbook has it


def _text(max_length: int):
    return lambda v: cells.limited(v, max_length)


def _code(v: str) -> str:
    return cells.code(v)


class Importer(PeopleRows):
    """One import run. Use `run(source)`; the result is a Report."""

    def __init__(self, user=None, *, dry_run: bool = False):
        self.user = user
        self.rights = SheetRights(user)
        self.report = Report(dry_run=dry_run)
        self.data: dict[str, SheetData] = {}
        self.plans: dict[str, list[Plan]] = {}
        self.regions: dict[str, RegionInfo] = {}
        self.region_current: dict[str, dict] = {}
        self.region_code: dict[int, str] = {}
        self.grids: dict[str, int | None] = {}
        self.grid_community: dict[str, str] = {}
        self.grid_compounds: dict[str, list[str]] = {}
        self.buildings: dict[tuple, int | None] = {}
        self.dwellings: dict[tuple, int | None] = {}

    # --- driving ---------------------------------------------------------------------------

    def run(self, source) -> Report:
        started = time.perf_counter()
        data = read_workbook(source, self.report)
        if data is not None:
            self.data = data
            self.check()
            if self.report.ok and not self.report.dry_run:
                from .writer import write

                with transaction.atomic():
                    write(self)
                self.report.written = True
        self.report.seconds = time.perf_counter() - started
        return self.report

    def check(self) -> None:
        self._load_regions()
        region_rows = self._regions_read("regions") + self._regions_read("compounds")
        for pending in region_rows:
            self._region_resolve(*pending)
        self._grids()
        self._load_buildings()
        self._buildings()
        self._load_dwellings()
        self._dwellings()
        self.check_people()

    def rows(self, sheet_key: str):
        data = self.data.get(sheet_key)
        if data is None or not data.complete:
            return
        for num, values in data.rows:
            yield Row(data, num, values, self.report)

    def column_texts(self, sheet_key: str, column: str) -> set[str]:
        """Every non-blank text of one column (for bulk preloading before the checks)."""
        data = self.data.get(sheet_key)
        if data is None or column not in data.index:
            return set()
        i = data.index[column]
        found = set()
        for _num, values in data.rows:
            if i < len(values):
                text = cells.text(values[i])
                if text:
                    found.add(text)
        return found

    def plan(self, plan: Plan) -> Plan:
        self.plans.setdefault(plan.sheet, []).append(plan)
        return plan

    def outcome(self, sheet: schema.Sheet, *plans: Plan | None) -> None:
        real = [p for p in plans if p is not None]
        if any(p.is_new for p in real[:1]):
            self.report.count(sheet.title, "created")
        elif any(p.changes for p in real):
            self.report.count(sheet.title, "updated")
        else:
            self.report.count(sheet.title, "unchanged")

    def duplicate(self, row: Row, column: str, seen: dict, key) -> bool:
        """Report a key seen before in the same sheet; remember it otherwise."""
        first = seen.get(key)
        if first is not None:
            row.error(column, _("Duplicate: the same record is already on row %(row)d.") % {"row": first})
            return True
        seen[key] = row.num
        return False

    # --- scope -----------------------------------------------------------------------------

    def region_in(self, code: str | None, scope) -> bool:
        """Whether a region (existing, or new under an existing ancestor) lies in `scope`."""
        if scope.everything:
            return True
        for _step in range(8):
            info = self.regions.get(code) if code else None
            if info is None:
                return False
            if info.pk is not None:
                return scope.covers_region(info.pk)
            code = info.parent
        return False

    def outside(self, row: Row, column: str, adding: bool) -> None:
        """Note that the row lies outside the user's area; see `settle`."""
        if adding:
            reason = _("Outside your area: you may not add this record here.")
        else:
            reason = _("Outside your area: you may not change this record.")
        row.denied.append((column, reason, row.text(column)))

    def settle(self, row: Row, changes: bool) -> bool:
        """Report scope refusals of a row that would create or change something (a row that
        changes nothing may lie anywhere: re-importing a wider export is harmless). True if the row is fine."""
        if row.denied and (changes or row.bad):
            for column, reason, value in row.denied:
                row.error(column, reason, value)
            row.denied = []
        return not row.bad

    # --- regions and compounds --------------------------------------------------------------

    def _load_regions(self) -> None:
        fields = ("pk", "code", "level", "parent_id", *_REGION_FIELDS)
        rows = list(Region.objects.values_list(*fields))
        self.region_code = {r[0]: r[1] for r in rows}
        for r in rows:
            current = dict(zip(fields, r, strict=True))
            self.region_current[r[1]] = current
            self.regions[r[1]] = RegionInfo(
                pk=r[0],
                level=r[2],
                parent=self.region_code.get(r[3]),
                official=current["code_is_official"],
                name=r[4],
            )

    def _regions_read(self, sheet_key: str) -> list[tuple]:
        """First pass: read each row and register its code, so parents may come later in the file."""
        is_compound = sheet_key == "compounds"
        sheet = self.data[sheet_key].sheet if sheet_key in self.data else None
        pending = []
        seen_here: dict = {}
        level_of = cells.chooser(schema.LEVEL)
        kind_of = cells.chooser(schema.REGION_KIND)
        yes_no = cells.chooser(schema.YES_NO)
        for row in self.rows(sheet_key):
            code = row.get("code", _code, required=True)
            name = row.get("name", _text(64), required=True)
            if is_compound:
                level = L.COMPOUND
                parent = row.get("community", _code, required=True)
                kind = None  # set to "compound" on creation; an existing compound keeps its kind
                official = None
                population = None
                old = row.get("old", yes_no)
                wanted_extra = {
                    "is_old_compound": None if old is None else old == "1",
                    "built_year": row.get("built_year", cells.year, raw=True),
                }
            else:
                level_text = row.get("level", level_of, required=True)
                level = int(level_text) if level_text else None
                kind = row.get("kind", kind_of)
                parent = row.get("parent", _code)
                flag = row.get("official", yes_no)
                official = None if flag is None else flag == "1"
                population = row.get("population", lambda v: cells.integer(v, minimum=0), raw=True)
                wanted_extra = {}
                if kind and level and schema.KIND_LEVEL.get(kind) != level:
                    row.error("kind", _("This kind does not match the level."), row.text("kind"))
            address = row.get("address", _text(200))
            if code is None:
                continue
            if self.duplicate(row, "code", seen_here, code):
                continue
            info = self.regions.get(code)
            if info is not None and info.where is not None:
                other_sheet, other_row = info.where
                row.error(
                    "code",
                    _("This code is already used on sheet “%(sheet)s”, row %(row)d.")
                    % {"sheet": other_sheet, "row": other_row},
                    code,
                )
                continue
            current = self.region_current.get(code)
            if current is not None:
                if is_compound and current["level"] != L.COMPOUND:
                    row.error("code", _("This code belongs to a region that is not a compound."), code)
                elif not is_compound and current["level"] == L.COMPOUND:
                    row.error(
                        "code", _("This code belongs to a compound; change it on the 小区 sheet."), code
                    )
                elif not is_compound and level and current["level"] != level:
                    row.error(
                        "level",
                        _("The level of an existing region cannot be changed by import (it is %(level)s).")
                        % {"level": LEVEL_NAMES[current["level"]]},
                        row.text("level"),
                    )
            final_level = level or (current["level"] if current else 0)
            final_parent = parent or (info.parent if info else None)
            final_official = (
                official if official is not None else bool(current and current["code_is_official"])
            )
            self.regions[code] = RegionInfo(
                pk=current["pk"] if current else None,
                level=final_level,
                parent=final_parent,
                official=final_official,
                name=name or (current["name"] if current else code),
                where=(sheet.title, row.num),
            )
            wanted = {
                "name": name,
                "kind": kind,
                "code_is_official": official,
                "population": population,
                "address": address,
                **wanted_extra,
            }
            pending.append((row, sheet_key, code, level, parent, wanted))
        return pending

    def _region_resolve(self, row: Row, sheet_key: str, code: str, level, parent, wanted: dict) -> None:
        """Second pass: parents, levels, official codes and scope."""
        is_compound = sheet_key == "compounds"
        parent_column = "community" if is_compound else "parent"
        current = self.region_current.get(code)
        info = self.regions[code]
        add_scope, change_scope = self.rights.add(sheet_key), self.rights.change(sheet_key)
        parent_changes = False
        if parent:
            parent_info = self.regions.get(parent)
            if parent == code:
                row.error(parent_column, _("A region cannot be its own parent."), parent)
            elif parent_info is None:
                row.error(parent_column, _("Unknown code: not in this workbook or in the system."), parent)
            elif is_compound and parent_info.level != L.COMMUNITY:
                row.error(
                    parent_column,
                    _("Not a community: this code is a %(level)s.")
                    % {"level": LEVEL_NAMES.get(parent_info.level, "")},
                    parent,
                )
            elif info.level and parent_info.level >= info.level:
                row.error(parent_column, _("The parent must be of a higher level than the region."), parent)
            parent_changes = current is None or self.region_code.get(current["parent_id"]) != parent
        elif current is None and level and level != L.CITY:
            row.error(parent_column, _("Required except for a city."))
        # Scope: change an existing region where it is; add or move only under a region in scope.
        if current is not None and not change_scope.covers_region(current["pk"]):
            self.outside(row, "code", adding=False)
        elif parent_changes and not self.region_in(parent, add_scope):
            self.outside(row, parent_column, adding=True)
        elif current is None and not parent and not add_scope.everything:
            self.outside(row, "code", adding=True)
        if info.official and info.level in OFFICIAL_LEVEL:
            self._check_official(row, code, info)
        if row.bad:
            self.settle(row, True)
            return
        if current is None:
            values = {k: v for k, v in wanted.items() if v is not None}
            values.update(code=code, level=info.level)
            if is_compound:
                values.setdefault("kind", Region.Kind.COMPOUND)
            plan = Plan(
                sheet_key, row.num, code, None, values, {"parent_id": ("region", parent)} if parent else {}
            )
        else:
            refs = {"parent_id": ("region", parent)} if parent_changes else {}
            plan = Plan(sheet_key, row.num, code, current["pk"], changed(current, wanted), refs)
        if self.settle(row, plan.changes):
            self.outcome(row.sheet, self.plan(plan))

    def _check_official(self, row: Row, code: str, info: RegionInfo) -> None:
        """An official code parses, is of the region's level and extends its parent's code."""
        try:
            parsed = parse_region_code(code)
        except ValidationError as exc:
            row.error("code", cells.validation_message(exc), code)
            return
        if parsed.level != OFFICIAL_LEVEL[info.level]:
            row.error(
                "code",
                _("This official code is the code of a %(found)s, not of this level.")
                % {"found": parsed.level_label},
                code,
            )
            return
        parent = self.regions.get(info.parent) if info.parent else None
        if parent is None or not parent.official:
            return
        try:
            parent_code = parse_region_code(info.parent).code
        except ValidationError:
            return
        if parsed.parent != parent_code:
            row.error(
                "code",
                _("By its official code the parent is %(expected)s, not %(parent)s.")
                % {"expected": parsed.parent, "parent": info.parent},
                code,
            )

    # --- grids -------------------------------------------------------------------------------

    def _grids(self) -> None:
        codes = self.column_texts("grids", "code") | self.column_texts("organizations", "grid")
        current_by_code: dict[str, dict] = {}
        for batch in chunks(codes):
            for g in Grid.objects.filter(code__in=batch).values(
                "pk", "code", "name", "kind", "duties", "community_id"
            ):
                current_by_code[g["code"]] = g
                self.grids[g["code"]] = g["pk"]
                self.grid_community[g["code"]] = self.region_code.get(g["community_id"], "")
        covered: dict[int, set[str]] = {}
        pks = [g["pk"] for g in current_by_code.values()]
        for batch in chunks(pks):
            through = Grid.compounds.through.objects.filter(grid_id__in=batch).values_list(
                "grid_id", "region_id"
            )
            for grid_id, region_id in through:
                covered.setdefault(grid_id, set()).add(self.region_code.get(region_id, ""))
        kind_of = cells.chooser(schema.GRID_KIND)
        duties_of = cells.many_chooser(schema.DUTY)
        duty_order = {value: i for i, value in enumerate(Grid.Duty.values)}
        seen: dict = {}
        for row in self.rows("grids"):
            code = row.get("code", _code, required=True)
            name = row.get("name", _text(64), required=True)
            kind = row.get("kind", kind_of)
            community = row.get("community", _code, required=True)
            duties = row.get("duties", duties_of)
            compounds = row.get("compounds", lambda v: [cells.code(c) for c in cells.many(v)])
            if code is None or self.duplicate(row, "code", seen, code):
                continue
            current = current_by_code.get(code)
            self.grids.setdefault(code, None)
            if community:
                self.grid_community[code] = community
                info = self.regions.get(community)
                if info is None:
                    row.error(
                        "community", _("Unknown code: not in this workbook or in the system."), community
                    )
                elif info.level != L.COMMUNITY:
                    row.error(
                        "community",
                        _("Not a community: this code is a %(level)s.")
                        % {"level": LEVEL_NAMES.get(info.level, "")},
                        community,
                    )
            current_community = self.region_code.get(current["community_id"]) if current else None
            if current is not None and not self.rights.change("grids").covers_region(current["community_id"]):
                self.outside(row, "code", adding=False)
            elif (
                community
                and community != current_community
                and not self.region_in(community, self.rights.add("grids"))
            ):
                self.outside(row, "community", adding=True)
            if compounds:
                unknown = [c for c in compounds if c not in self.regions]
                not_compound = [
                    c for c in compounds if c in self.regions and self.regions[c].level != L.COMPOUND
                ]
                elsewhere = [
                    c
                    for c in compounds
                    if c in self.regions
                    and self.regions[c].level == L.COMPOUND
                    and self.regions[c].parent != community
                ]
                if unknown:
                    row.error(
                        "compounds", _("Unknown compound codes: %(codes)s.") % {"codes": "、".join(unknown)}
                    )
                if not_compound:
                    row.error(
                        "compounds", _("Not compounds: %(codes)s.") % {"codes": "、".join(not_compound)}
                    )
                if elsewhere:
                    row.error(
                        "compounds",
                        _("These compounds are not in the grid's community: %(codes)s.")
                        % {"codes": "、".join(elsewhere)},
                    )
            if duties is not None:
                duties = sorted(set(duties), key=duty_order.__getitem__)
                if current is not None and set(duties) == set(current["duties"] or []):
                    duties = None  # the same duties, perhaps in another order: keep them
            if row.bad:
                self.settle(row, True)
                continue
            wanted = {"name": name, "kind": kind, "duties": duties}
            refs = {}
            if current is None:
                values = {k: v for k, v in wanted.items() if v is not None}
                values.update(code=code)
                refs["community_id"] = ("region", community)
                plan = Plan("grids", row.num, code, None, values, refs)
            else:
                if community != current_community:
                    refs["community_id"] = ("region", community)
                plan = Plan("grids", row.num, code, current["pk"], changed(current, wanted), refs)
            if compounds is not None and (
                current is None or set(compounds) != covered.get(current["pk"], set())
            ):
                self.grid_compounds[code] = sorted(set(compounds))
                plan.touched = True
            if self.settle(row, plan.changes):
                self.outcome(row.sheet, self.plan(plan))

    # --- buildings and dwellings ------------------------------------------------------------

    def _compound_codes(self, *sheet_columns) -> set[str]:
        codes = set()
        for sheet_key, column in sheet_columns:
            codes |= self.column_texts(sheet_key, column)
        return {c for c in codes if c in self.regions and self.regions[c].pk is not None}

    def _load_buildings(self) -> None:
        codes = self._compound_codes(
            ("buildings", "compound"),
            ("dwellings", "compound"),
            ("owners", "compound"),
            ("residents", "region"),
            ("organizations", "region"),
        )
        self.building_current: dict[tuple, dict] = {}
        self.building_key: dict[int, tuple] = {}
        pks = [self.regions[c].pk for c in codes]
        for batch in chunks(pks):
            for b in Building.objects.filter(compound_id__in=batch).values(
                "pk", "compound_id", "number", "floors", "stairwell_units", "has_elevator", "built_year"
            ):
                key = (self.region_code[b["compound_id"]], b["number"])
                self.building_current[key] = b
                self.buildings[key] = b["pk"]
                self.building_key[b["pk"]] = key

    def compound_ref(self, row: Row, column: str, code: str | None) -> bool:
        """Check a compound code: known and a compound."""
        if code is None:
            return False
        info = self.regions.get(code)
        if info is None:
            row.error(column, _("Unknown code: not in this workbook or in the system."), code)
            return False
        if info.level != L.COMPOUND:
            row.error(
                column,
                _("Not a compound: this code is a %(level)s.") % {"level": LEVEL_NAMES.get(info.level, "")},
                code,
            )
            return False
        return True

    def _buildings(self) -> None:
        yes_no = cells.chooser(schema.HAS)
        seen: dict = {}
        add_scope, change_scope = self.rights.add("buildings"), self.rights.change("buildings")
        for row in self.rows("buildings"):
            compound = row.get("compound", _code, required=True)
            number = row.get("number", _text(16), required=True)
            floors = row.get(
                "floors", lambda v: cells.integer(v, minimum=1, maximum=200), required=True, raw=True
            )
            units = row.get("units", lambda v: cells.integer(v, minimum=1, maximum=99), raw=True)
            elevator = row.get("elevator", yes_no)
            built_year = row.get("built_year", cells.year, raw=True)
            known = self.compound_ref(row, "compound", compound)
            if compound is None or number is None:
                continue
            key = (compound, number)
            if self.duplicate(row, "number", seen, key):
                continue
            current = self.building_current.get(key)
            self.buildings.setdefault(key, None)
            if known:
                scope = change_scope if current else add_scope
                if not self.region_in(compound, scope):
                    self.outside(row, "compound", adding=current is None)
            if row.bad:
                self.settle(row, True)
                continue
            wanted = {
                "floors": floors,
                "stairwell_units": units,
                "has_elevator": None if elevator is None else elevator == "1",
                "built_year": built_year,
            }
            if current is None:
                values = {k: v for k, v in wanted.items() if v is not None}
                values["number"] = number
                plan = Plan("buildings", row.num, key, None, values, {"compound_id": ("region", compound)})
            else:
                plan = Plan("buildings", row.num, key, current["pk"], changed(current, wanted))
            if self.settle(row, plan.changes):
                self.outcome(row.sheet, self.plan(plan))

    def _load_dwellings(self) -> None:
        wanted_compounds = (
            self.column_texts("dwellings", "compound")
            | self.column_texts("owners", "compound")
            | self.column_texts("residents", "region")
            | self.column_texts("organizations", "region")
        )
        building_pks = [
            pk for (compound, _n), pk in self.buildings.items() if pk and compound in wanted_compounds
        ]
        self.dwelling_current: dict[tuple, dict] = {}
        self.dwelling_key: dict[int, tuple] = {}
        for batch in chunks(building_pks):
            for d in Dwelling.objects.filter(building_id__in=batch).values(
                "pk", "building_id", "stairwell_unit", "room", "floor", "exclusive_area", "use", "area_source"
            ):
                key = (*self.building_key[d["building_id"]], d["stairwell_unit"], d["room"])
                self.dwelling_current[key] = d
                self.dwellings[key] = d["pk"]
                self.dwelling_key[d["pk"]] = key

    def dwelling_ref(self, row: Row, compound, number, unit, room, column: str = "room") -> tuple | None:
        """The key of a dwelling in the workbook or the system, or None (reported)."""
        if compound is None or number is None or unit is None or room is None:
            return None
        if (compound, number) not in self.buildings:
            row.error("building", _("Unknown building: not on the 楼栋 sheet or in the system."), number)
            return None
        key = (compound, number, unit, room)
        if key not in self.dwellings:
            row.error(
                column, _("Unknown dwelling: not on the 房屋 sheet or in the system."), f"{unit}-{room}"
            )
            return None
        return key

    def _dwellings(self) -> None:
        use_of = cells.chooser(schema.USE)
        source_of = cells.chooser(schema.AREA_SOURCE)
        seen: dict = {}
        add_scope, change_scope = self.rights.add("dwellings"), self.rights.change("dwellings")
        in_add: dict[str, bool] = {}
        in_change: dict[str, bool] = {}
        report_sheet = None
        for row in self.rows("dwellings"):
            report_sheet = row.sheet
            compound = row.get("compound", _code, required=True)
            number = row.get("building", _text(16), required=True)
            unit = row.get("unit", lambda v: cells.integer(v, minimum=1, maximum=99), required=True, raw=True)
            room = row.get("room", _text(16), required=True)
            floor = row.get("floor", lambda v: cells.integer(v, minimum=-10, maximum=300), raw=True)
            area = row.get("area", cells.area, required=True, raw=True)
            use = row.get("use", use_of)
            source = row.get("area_source", source_of)
            if compound is None or number is None or unit is None or room is None:
                continue
            key = (compound, number, unit, room)
            if self.duplicate(row, "room", seen, key):
                continue
            current = self.dwelling_current.get(key)
            self.dwellings.setdefault(key, None)
            if (compound, number) not in self.buildings:
                if self.compound_ref(row, "compound", compound):
                    row.error(
                        "building", _("Unknown building: not on the 楼栋 sheet or in the system."), number
                    )
                continue
            cache = in_change if current else in_add
            if compound not in cache:
                cache[compound] = self.region_in(compound, change_scope if current else add_scope)
            if not cache[compound]:
                self.outside(row, "compound", adding=current is None)
            if row.bad:
                self.settle(row, True)
                continue
            wanted = {"floor": floor, "exclusive_area": area, "use": use, "area_source": source}
            if current is None:
                values = {k: v for k, v in wanted.items() if v is not None}
                values.update(stairwell_unit=unit, room=room)
                plan = Plan(
                    "dwellings", row.num, key, None, values, {"building_id": ("building", (compound, number))}
                )
            else:
                plan = Plan("dwellings", row.num, key, current["pk"], changed(current, wanted))
            if self.settle(row, plan.changes):
                self.outcome(report_sheet, self.plan(plan))
