"""Writing roster workbooks: the empty template and the export of a part of the territory.

Both use openpyxl's streaming writer, so exports of 100,000 dwellings stay small in memory.
Exports mask names, phones and ID numbers unless the caller passes the fields it may reveal;
the masked values are the ones the importer recognises and never stores.
"""

from collections import defaultdict
from collections.abc import Iterable

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from doorstep.core.pii import mask_id_number, mask_name, mask_phone
from doorstep.territory.models import (
    Building,
    Dwelling,
    Grid,
    HouseholdMember,
    Organization,
    Ownership,
    Person,
    Region,
)

from . import schema
from .plans import chunks

_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="C8161D")
_HEADER_FILL = PatternFill("solid", fgColor="F2F4F7")
_NOTE_FONT = Font(italic=True, color="667085")
_WRAP = Alignment(wrap_text=True, vertical="top")
LAST_ROW = 1048576


def write_workbook(
    out, data: dict[str, Iterable[tuple]] | None = None, extra_notes: Iterable[str] = ()
) -> dict[str, int]:
    """Write the notes sheet and every roster sheet (empty for the template); return rows per sheet."""
    workbook = openpyxl.Workbook(write_only=True)
    _notes_sheet(workbook, extra_notes)
    counts = {}
    for sheet in schema.SHEETS:
        ws = workbook.create_sheet(sheet.title)
        rows = list((data or {}).get(sheet.key, ()))
        # Declaring the size lets readers in streaming mode skip a first pass over the sheet.
        last = f"{get_column_letter(len(sheet.columns))}{len(rows) + 2}"
        ws.calculate_dimension = lambda last=last: f"A1:{last}"
        _prepare(ws, sheet)
        for values in rows:
            ws.append(values)
        counts[sheet.key] = len(rows)
    workbook.save(out)
    return counts


def _prepare(ws, sheet: schema.Sheet) -> None:
    for i, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(i)
        dim = ws.column_dimensions[letter]
        dim.width = column.width
        if column.text:
            dim.number_format = "@"
        if column.choice is not None and not column.multi:
            listed = ",".join(column.choice.labels.values())
            validation = DataValidation(
                type="list",
                formula1=f'"{listed}"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="选项无效",
                error="请从下拉列表中选择。",
            )
            validation.add(f"{letter}3:{letter}{LAST_ROW}")
            ws.data_validations.append(validation)
    ws.freeze_panes = "A3"
    last = get_column_letter(len(sheet.columns))
    ws.merged_cells.add(f"A1:{last}1")
    note = WriteOnlyCell(ws, value=f"填写提示：带 * 的列必填。{sheet.note}")
    note.font = _NOTE_FONT
    note.alignment = _WRAP
    ws.row_dimensions[1].height = 36
    ws.append([note])
    headers = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, value=column.title)
        cell.font = _REQUIRED_FONT if column.required else _HEADER_FONT
        cell.fill = _HEADER_FILL
        headers.append(cell)
    ws.append(headers)


def _notes_sheet(workbook, extra_notes: Iterable[str]) -> None:
    ws = workbook.create_sheet(schema.NOTES_TITLE)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 8
    ws.column_dimensions["C"].width = 90
    title = WriteOnlyCell(ws, value="台账导入导出说明")
    title.font = Font(bold=True, size=14)
    ws.append([title])
    for line in (*schema.GENERAL_NOTES, *extra_notes):
        ws.append([None, None, line])
    for sheet in schema.SHEETS:
        ws.append([])
        head = WriteOnlyCell(ws, value=f"「{sheet.title}」表")
        head.font = _HEADER_FONT
        ws.append([head, None, sheet.note])
        for column in sheet.columns:
            allowed = "、".join(column.choice.labels.values()) if column.choice else ""
            detail = "；".join(x for x in (f"可填：{allowed}" if allowed else "", column.hint) if x)
            ws.append([column.header, "必填" if column.required else "", detail])


# --- export -----------------------------------------------------------------------------------


def _label(choice: schema.Choice, value) -> str:
    return choice.label(value)


def _yes(flag: bool, choice: schema.Choice = schema.YES_NO) -> str:
    return choice.labels["1" if flag else "0"]


class Masker:
    """Shows a person's fields in full or masked, per field."""

    def __init__(self, reveal: Iterable[str]):
        reveal = set(reveal)
        self.name = (lambda v: v or "") if "name" in reveal else mask_name
        self.phone = (lambda v: v or "") if "phone" in reveal else mask_phone
        self.id_number = (lambda v: v or "") if "id_number" in reveal else mask_id_number


def export_rows(region_ids: set[int] | None, reveal: Iterable[str] = ()) -> dict[str, list[tuple]]:
    """The rows of every sheet for the regions in `region_ids` (None: the whole territory)."""
    mask = Masker(reveal)

    def in_regions(qs, field: str):
        if region_ids is None:
            yield from qs
            return
        for batch in chunks(sorted(region_ids)):
            yield from qs.filter(**{f"{field}__in": batch})

    regions = list(
        in_regions(
            Region.objects.values_list(
                "pk", "code", "name", "level", "kind", "parent_id", "code_is_official", "population", "address",
                "is_old_compound", "built_year",
            ),
            "pk",
        )
    )  # fmt: skip
    code = {r[0]: r[1] for r in regions}
    missing_parents = {r[5] for r in regions if r[5] and r[5] not in code}
    code.update(Region.objects.filter(pk__in=missing_parents).values_list("pk", "code"))
    regions.sort(key=lambda r: (r[3], r[1]))
    out: dict[str, list[tuple]] = defaultdict(list)
    compounds = []
    for pk, c, name, level, kind, parent, official, population, address, old, year in regions:
        if level == Region.Level.COMPOUND:
            compounds.append(pk)
            out["compounds"].append((c, name, code.get(parent, ""), address, _yes(old), year))
        else:
            out["regions"].append(
                (c, name, _label(schema.LEVEL, str(level)), _label(schema.REGION_KIND, kind), code.get(parent, ""),
                 _yes(official), population, address)
            )  # fmt: skip

    grid_rows = list(
        in_regions(
            Grid.objects.values_list("pk", "code", "name", "kind", "duties", "community_id"), "community_id"
        )
    )
    covered = defaultdict(list)
    for batch in chunks([g[0] for g in grid_rows]):
        for grid_id, region_code in Grid.compounds.through.objects.filter(grid_id__in=batch).values_list(
            "grid_id", "region__code"
        ):
            covered[grid_id].append(region_code)
    for pk, c, name, kind, duties, community in sorted(grid_rows, key=lambda g: g[1]):
        out["grids"].append(
            (c, name, _label(schema.GRID_KIND, kind), code.get(community, ""),
             "、".join(schema.DUTY.label(d) for d in duties or [] if schema.DUTY.label(d)), "、".join(sorted(covered[pk])))
        )  # fmt: skip

    building_key: dict[int, tuple[str, str]] = {}
    for batch in chunks(compounds):
        rows = Building.objects.filter(compound_id__in=batch).values_list(
            "pk", "compound_id", "number", "floors", "stairwell_units", "has_elevator", "built_year"
        )
        for pk, compound, number, floors, units, elevator, year in rows:
            building_key[pk] = (code[compound], number)
            out["buildings"].append((code[compound], number, floors, units, _yes(elevator, schema.HAS), year))
    out["buildings"].sort(key=lambda r: (r[0], r[1]))

    dwelling_key: dict[int, tuple] = {}
    for batch in chunks(compounds, 200):
        rows = Dwelling.objects.filter(building__compound_id__in=batch).values_list(
            "pk", "building_id", "stairwell_unit", "room", "floor", "exclusive_area", "use", "area_source"
        )
        for pk, building, unit, room, floor, area, use, source in rows:
            key = (*building_key[building], unit, room)
            dwelling_key[pk] = key
            out["dwellings"].append(
                (*key, floor, format(area, "f"), _label(schema.USE, use), _label(schema.AREA_SOURCE, source))
            )
    out["dwellings"].sort(key=lambda r: (r[0], r[1], r[2], r[3]))

    _export_organizations(out, in_regions, code, building_key, dwelling_key)
    _export_people(out, region_ids, in_regions, code, dwelling_key, mask)
    return out


def _export_organizations(out, in_regions, code, building_key, dwelling_key) -> None:
    orgs = list(
        in_regions(
            Organization.objects.values_list(
                "pk", "name", "kind", "region_id", "parent_id", "grid__code", "building_id", "dwelling_id",
                "term_start", "term_end", "company_mode", "sponsor_id", "credit_code", "phone",
            ),
            "region_id",
        )
    )  # fmt: skip
    name_of = {o[0]: o[1] for o in orgs}
    others = {o[4] for o in orgs if o[4]} | {o[11] for o in orgs if o[11]}
    name_of.update(Organization.objects.filter(pk__in=others - set(name_of)).values_list("pk", "name"))
    dwelling_parts = {}
    missing = {o[7] for o in orgs if o[7] and o[7] not in dwelling_key}
    for pk, unit, room in Dwelling.objects.filter(pk__in=missing).values_list("pk", "stairwell_unit", "room"):
        dwelling_parts[pk] = (unit, room)
    for (
        _pk,
        name,
        kind,
        region,
        parent,
        grid,
        building,
        dwelling,
        start,
        end,
        mode,
        sponsor,
        credit,
        phone,
    ) in orgs:
        number = building_key.get(building, ("", ""))[1] if building else ""
        unit = room = ""
        if dwelling:
            key = dwelling_key.get(dwelling)
            unit, room = (key[2], key[3]) if key else dwelling_parts.get(dwelling, ("", ""))
            if key and not number:
                number = key[1]
        out["organizations"].append(
            (name, _label(schema.ORG_KIND, kind), code.get(region, ""), name_of.get(parent, ""), grid or "", number,
             unit, room, start, end, _label(schema.COMPANY_MODE, mode), name_of.get(sponsor, ""), credit, phone)
        )  # fmt: skip
    out["organizations"].sort(key=lambda r: (r[2], r[0]))


def _export_people(out, region_ids, in_regions, code, dwelling_key, mask: Masker) -> None:
    people: dict[int, Person] = {}

    def load(pks) -> None:
        wanted = [pk for pk in pks if pk not in people]
        for batch in chunks(wanted):
            for p in Person.objects.filter(pk__in=batch).only(
                "name", "phone", "id_number", "gender", "home_region_id"
            ):
                people[p.pk] = p

    ownerships = []
    for batch in chunks(list(dwelling_key), 500):
        ownerships += Ownership.objects.filter(dwelling_id__in=batch, ended_on__isnull=True).values_list(
            "dwelling_id",
            "person_id",
            "organization__name",
            "registered_on",
            "certificate_no",
            "is_developer_unsold",
        )
    load({o[1] for o in ownerships if o[1]})
    owners_per_dwelling = defaultdict(int)
    for o in ownerships:
        owners_per_dwelling[o[0]] += 1
    for dwelling, person_id, org_name, registered, certificate, unsold in ownerships:
        co = _yes(owners_per_dwelling[dwelling] > 1)
        if person_id:
            p = people[person_id]
            owner = (mask.name(p.name), "个人", mask.id_number(p.id_number), mask.phone(p.phone))
        else:
            owner = (org_name, "单位", "", "")
        out["owners"].append(
            (
                *dwelling_key[dwelling],
                owner[0],
                owner[1],
                owner[2],
                owner[3],
                co,
                registered,
                certificate,
                _yes(unsold),
            )
        )
    out["owners"].sort(key=lambda r: (r[0], r[1], r[2], r[3]))

    residents = [
        p.pk
        for p in in_regions(Person.objects.filter(anonymised_at__isnull=True).only("pk"), "home_region_id")
    ]
    load(residents)
    memberships = defaultdict(list)
    for batch in chunks(residents):
        rows = HouseholdMember.objects.filter(
            person_id__in=batch, household__moved_out_on__isnull=True
        ).values_list("person_id", "household__dwelling_id", "relation")
        for person_id, dwelling, relation in rows:
            if dwelling in dwelling_key:
                memberships[person_id].append((dwelling, relation))
    for pk in residents:
        p = people[pk]
        base = (
            mask.name(p.name),
            mask.id_number(p.id_number),
            mask.phone(p.phone),
            _label(schema.GENDER, p.gender),
        )
        home = code.get(p.home_region_id, "")
        if not memberships[pk]:
            out["residents"].append((*base, home, "", "", "", ""))
        for dwelling, relation in memberships[pk]:
            key = dwelling_key[dwelling]
            out["residents"].append(
                (*base, key[0], key[1], key[2], key[3], _label(schema.RELATION, relation))
            )
    out["residents"].sort(key=lambda r: (r[4], str(r[5]), str(r[6]), str(r[7]), r[0]))


def write_records(out, records: dict[str, list[dict]]) -> None:
    """A workbook from rows given as {sheet title: [{header: value}]} (tests, benchmarks, scripts)."""
    data = {}
    for title, rows in records.items():
        sheet = schema.BY_TITLE[title]
        data[sheet.key] = [tuple(row.get(c.header) for c in sheet.columns) for row in rows]
    write_workbook(out, data)
