"""Reading a roster workbook into rows, in openpyxl's streaming (read-only) mode.

Sheets are found by their Chinese names, headers by their Chinese text in any order and
within the first rows (a template has a hint row above the header). Each data row keeps
its Excel row number for the report.
"""

import zipfile
from dataclasses import dataclass

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from . import cells
from .report import Report
from .schema import BY_TITLE, NOTES_TITLE, Column, Sheet, normalise_header

HEADER_SEARCH_ROWS = 5


@dataclass
class SheetData:
    sheet: Sheet
    header_row: int
    index: dict[str, int]  # column key → position in the row tuple
    rows: list[tuple[int, tuple]]  # (Excel row number, values)
    complete: bool  # every required column is present


class Row:
    """One data row being validated; errors go straight to the report."""

    __slots__ = ("bad", "denied", "num", "report", "sheet", "values", "index")

    def __init__(self, data: SheetData, num: int, values: tuple, report: Report):
        self.sheet = data.sheet
        self.index = data.index
        self.num = num
        self.values = values
        self.report = report
        self.bad = False
        self.denied: list[
            tuple[str, str, str]
        ] = []  # scope refusals, reported only if the row changes something

    def raw(self, key: str):
        i = self.index.get(key)
        if i is None or i >= len(self.values):
            return None
        return self.values[i]

    def text(self, key: str) -> str:
        return cells.text(self.raw(key))

    def get(self, key: str, parse=None, *, required: bool = False, raw: bool = False):
        """The parsed cell, or None when it is blank (reported if required) or bad (reported)."""
        value = self.raw(key)
        shown = cells.text(value)
        if shown == "":
            if required:
                self.error(key, _("Required; this cell is empty."))
            return None
        if parse is None:
            return shown
        try:
            return parse(value if raw else shown)
        except cells.CellError as exc:
            self.error(key, str(exc), shown)
            return None

    def error(self, key: str, reason: str, value=None) -> None:
        self.bad = True
        self.report.add(self.sheet.title, self.num, self.column(key).header, reason, value)

    def column(self, key: str) -> Column:
        return self.sheet.column(key)


def open_workbook(source, report: Report):
    try:
        return openpyxl.load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        report.add("", None, "", _("This file is not an Excel workbook (.xlsx); nothing was read."))
        return None


def read_workbook(source, report: Report) -> dict[str, SheetData] | None:
    """All roster sheets of the workbook; None when the file cannot be read at all."""
    workbook = open_workbook(source, report)
    if workbook is None:
        return None
    try:
        found: dict[str, SheetData] = {}
        for worksheet in workbook.worksheets:
            title = (worksheet.title or "").strip()
            sheet = BY_TITLE.get(title)
            if sheet is None:
                if title != NOTES_TITLE:
                    report.notices.append(
                        _("Sheet “%(title)s” is not a roster sheet and was skipped.") % {"title": title}
                    )
                continue
            data = _read_sheet(worksheet, sheet, report)
            if data is not None:
                found[sheet.key] = data
        if not found:
            names = "、".join(s.title for s in BY_TITLE.values())
            report.add(
                "", None, "", _("The workbook has no roster sheet (expected: %(names)s).") % {"names": names}
            )
        return found
    finally:
        workbook.close()


def _read_sheet(worksheet, sheet: Sheet, report: Report) -> SheetData | None:
    known = {c.header: c for c in sheet.columns}
    header_row = 0
    index: dict[str, int] = {}
    rows: list[tuple[int, tuple]] = []
    for num, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if not header_row:
            if num > HEADER_SEARCH_ROWS:
                break
            headers = [normalise_header(v) for v in values]
            if any(h in known for h in headers):
                header_row = num
                for i, h in enumerate(headers):
                    if h in known and known[h].key not in index:
                        index[known[h].key] = i
            continue
        if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
            continue
        rows.append((num, values))
    if not header_row:
        report.add(
            sheet.title,
            None,
            "",
            _("No header row found in the first %(n)d rows.") % {"n": HEADER_SEARCH_ROWS},
        )
        return None
    complete = True
    for column in sheet.columns:
        if column.required and column.key not in index:
            complete = False
            report.add(sheet.title, header_row, column.header, _("This required column is missing."))
    return SheetData(sheet, header_row, index, rows, complete)
