"""Roster (台账) import and export: the entry points the staff page and the commands call.

Import checks the whole workbook first and writes nothing if any row is wrong (one
transaction); export writes the same workbook for a part of the territory, masked unless the
user's role may see personal data and gives a reason, in which case the export is logged.
"""

import logging
from dataclasses import dataclass, field

import openpyxl
from django.conf import settings
from django.utils.translation import gettext as _

from doorstep.core.models import PiiAccess
from doorstep.territory.models import Region
from doorstep.territory.selectors import subtree_ids

from . import exporter, permissions, schema
from .importer import Importer
from .report import Report

logger = logging.getLogger("doorstep.roster")
MAX_UPLOAD_BYTES = getattr(settings, "DOORSTEP_ROSTER_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
SHEET_ORDER = [s.title for s in schema.SHEETS]
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format


class RosterError(Exception):
    """A request that cannot be done at all (not allowed, wrong file); the message says why."""


# --- import -----------------------------------------------------------------------------------


def import_roster(source, *, user=None, dry_run: bool = False) -> Report:
    """Check a workbook and, if every row is right and this is not a dry run, write it all.

    `user` None means the command line without --as: the whole territory.
    """
    if user is not None and not permissions.can_import(user):
        raise RosterError(_("Your role may not import rosters."))
    report = Importer(user, dry_run=dry_run).run(source)
    logger.info(
        "roster import by %s: %s, %d problems, %d created, %d updated, %.1f s",
        getattr(user, "username", "(command line)"),
        "written" if report.written else "dry run" if report.dry_run and report.ok else "refused",
        len(report.issues),
        sum(c.created for c in report.counts.values()),
        sum(c.updated for c in report.counts.values()),
        report.seconds,
    )
    return report


def check_upload(upload) -> None:
    """Refuse what is not an .xlsx workbook of acceptable size, before reading it."""
    name = (getattr(upload, "name", "") or "").lower()
    head = upload.read(4)
    upload.seek(0)
    if name.endswith(".xls") or head == _OLE_MAGIC:
        raise RosterError(
            _("This is an old .xls file. Open it in Excel or WPS and save it as .xlsx, then upload again.")
        )
    if not name.endswith(".xlsx"):
        raise RosterError(_("Only Excel workbooks (.xlsx) can be imported."))
    if upload.size > MAX_UPLOAD_BYTES:
        raise RosterError(
            _("The file is %(size).1f MB; at most %(limit)d MB can be uploaded.")
            % {"size": upload.size / 1024 / 1024, "limit": MAX_UPLOAD_BYTES // 1024 // 1024}
        )
    if head != _ZIP_MAGIC:
        raise RosterError(_("This file is named .xlsx but is not an Excel workbook."))


def write_report(report: Report, out) -> None:
    """The full validation report as a workbook, for reports too long to read on a page."""
    workbook = openpyxl.Workbook(write_only=True)
    ws = workbook.create_sheet(_("Validation report"))
    ws.append([report.summary()])
    ws.append([_("Sheet"), _("Row"), _("Column"), _("Reason"), _("Cell value")])
    for issue in report.sorted_issues(SHEET_ORDER):
        ws.append([issue.sheet, issue.row, issue.column, issue.reason, issue.value])
    for notice in report.notices:
        ws.append(["", "", "", notice])
    workbook.save(out)


# --- export -----------------------------------------------------------------------------------


def write_template(out) -> None:
    exporter.write_workbook(out)


@dataclass
class ExportResult:
    regions: list[Region]
    counts: dict[str, int]
    revealed: list[str] = field(default_factory=list)


def export_roots(user) -> list[Region]:
    """The top regions of the part of the territory the user may export."""
    scope = permissions.export_scope(user)
    if scope.everything:
        return list(Region.objects.filter(parent__isnull=True).order_by("code"))
    regions = Region.objects.filter(pk__in=sorted(scope.region_ids)).exclude(
        parent__in=sorted(scope.region_ids)
    )
    return list(regions.order_by("code"))


def export_roster(
    out, *, user=None, region: Region | None = None, full: bool = False, reason: str = ""
) -> ExportResult:
    """Write the roster of `region` (default: all the user may export) to `out`.

    Masked by default. `full` reveals the fields the user's roles allow over every exported
    region and logs one PiiAccess row per region with the reason.
    """
    scope = permissions.export_scope(user)
    if scope.is_empty:
        raise RosterError(_("Your role may not export rosters."))
    if region is not None and not scope.covers_region(region.pk):
        raise RosterError(_("This region is outside your area."))
    roots = [region] if region is not None else export_roots(user)
    if region is None and scope.everything:
        region_ids = None
    else:
        region_ids = set()
        for root in roots:
            region_ids |= subtree_ids(root)
        if not scope.everything:
            region_ids &= scope.region_ids
    revealed: list[str] = []
    if full:
        reason = (reason or "").strip()
        if user is None:
            raise RosterError(_("A full export must name the user it is made for."))
        if not reason:
            raise RosterError(_("Give the reason for exporting personal data in full."))
        allowed = [set(permissions.reveal_fields(user, root)) for root in roots]
        revealed = [f for f in permissions.PII_FIELDS if allowed and all(f in a for a in allowed)]
        if not revealed:
            raise RosterError(_("Your role may not see personal data in full; export it masked."))
    rows = exporter.export_rows(region_ids, revealed)
    if revealed:
        PiiAccess.objects.bulk_create(
            [
                PiiAccess(
                    user=user,
                    subject_type="territory.Region",
                    subject_id=str(root.pk),
                    subject_label=f"{root.name}（{root.code}）"[:128],
                    field=",".join(revealed),
                    reason=(_("Roster export: %(reason)s") % {"reason": reason})[:200],
                )
                for root in roots
            ]
        )
    note = (
        "本文件含完整个人信息（已登记查看记录），请妥善保管，用后删除。"
        if revealed
        else "本文件中的姓名、手机号、身份证号已脱敏；重新导入时脱敏值不会覆盖系统中的真实数据。"
    )
    counts = exporter.write_workbook(out, rows, [note])
    return ExportResult(regions=roots, counts=counts, revealed=revealed)


def export_choices(user, limit: int = 500) -> list[Region]:
    """Regions offered for export on the page: the tops of the user's area and, below them,
    everything down to communities (compounds are exported with their community)."""
    roots = export_roots(user)
    ids: set[int] = set()
    for root in roots:
        ids |= subtree_ids(root)
    scope = permissions.export_scope(user)
    if not scope.everything:
        ids &= scope.region_ids
    qs = Region.objects.filter(pk__in=sorted(ids)) if len(ids) < 5000 else Region.objects.all()
    root_ids = {r.pk for r in roots}
    regions = [
        r
        for r in qs.with_tree_fields().only("name", "code", "level", "parent")
        if r.pk in ids and (r.pk in root_ids or r.level <= Region.Level.COMMUNITY)
    ]
    regions.sort(key=lambda r: [*r.tree_ordering] if hasattr(r, "tree_ordering") else r.code)
    return regions[:limit]
