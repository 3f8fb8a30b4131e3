"""The roster page: download the template, upload a workbook (checked, all or nothing), export."""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.territory.models import Region

from . import permissions, services
from .forms import ExportForm, ImportForm

SHOWN_ISSUES = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _staff(request) -> tuple[bool, bool]:
    """(may import, may export); neither means the page is not for this user."""
    may_import = permissions.can_import(request.user)
    may_export = not permissions.export_scope(request.user).is_empty
    if not (may_import or may_export):
        raise PermissionDenied(_("The roster page is for staff with a role."))
    return may_import, may_export


def _export_form(request, data=None) -> ExportForm:
    regions = services.export_choices(request.user)
    return ExportForm(data, regions=regions, may_reveal=permissions.may_reveal(request.user))


def _render(request, *, import_form=None, export_form=None, report=None, error=None, status=200):
    may_import, may_export = _staff(request)
    issues = report.sorted_issues(services.SHEET_ORDER) if report else []
    context = {
        "may_import": may_import,
        "may_export": may_export,
        "import_form": import_form or ImportForm(),
        "export_form": export_form or (_export_form(request) if may_export else None),
        "report": report,
        "issues": issues[:SHOWN_ISSUES],
        "hidden_issues": max(0, len(issues) - SHOWN_ISSUES),
        "counts": [
            (title, report.counts[title])
            for title in services.SHEET_ORDER
            if report and title in report.counts
        ],
        "error": error,
        "max_mb": services.MAX_UPLOAD_BYTES // 1024 // 1024,
    }
    return render(request, "territory/roster/page.html", context, status=status)


@login_required
def page(request):
    return _render(request)


@login_required
def template(request):
    _staff(request)
    out = io.BytesIO()
    services.write_template(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename="台账导入模板.xlsx", content_type=XLSX)


@login_required
def upload(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    may_import, _may_export = _staff(request)
    if not may_import:
        raise PermissionDenied(_("Your role may not import rosters."))
    # Refuse an oversized upload before Django stores it.
    if int(request.META.get("CONTENT_LENGTH") or 0) > services.MAX_UPLOAD_BYTES + 64 * 1024:
        error = _("The file is too large; at most %(limit)d MB can be uploaded.") % {
            "limit": services.MAX_UPLOAD_BYTES // 1024 // 1024
        }
        return _render(request, error=error, status=413)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, import_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        services.check_upload(upload)
        want_file = form.cleaned_data["report_file"]
        dry_run = form.cleaned_data["dry_run"] or want_file
        report = services.import_roster(upload, user=request.user, dry_run=dry_run)
    except services.RosterError as exc:
        return _render(request, import_form=form, error=str(exc), status=400)
    if want_file:
        out = io.BytesIO()
        services.write_report(report, out)
        out.seek(0)
        return FileResponse(out, as_attachment=True, filename="台账校验报告.xlsx", content_type=XLSX)
    return _render(request, import_form=ImportForm(), report=report, status=200 if report.ok else 422)


@login_required
def export(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _may_import, may_export = _staff(request)
    if not may_export:
        raise PermissionDenied(_("Your role may not export rosters."))
    form = _export_form(request, request.POST)
    if not form.is_valid():
        return _render(request, export_form=form, status=400)
    region = Region.objects.filter(pk=form.cleaned_data["region"]).first()
    out = io.BytesIO()
    try:
        services.export_roster(
            out,
            user=request.user,
            region=region,
            full=form.cleaned_data.get("full", False),
            reason=form.cleaned_data.get("reason", ""),
        )
    except services.RosterError as exc:
        return _render(request, export_form=form, error=str(exc), status=403)
    out.seek(0)
    filename = f"台账_{region.name}_{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)
