"""People pages: a person's masked record with logged reveals, and a resident's own data."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import rules, selectors, services


def _field_rows(user, person):
    allowed = selectors.revealable_fields(user, person)
    masked = {
        "name": person.masked_name,
        "phone": person.masked_phone,
        "id_number": person.masked_id_number,
    }
    return [
        {
            "field": f,
            "label": rules.REVEAL_LABELS[f],
            "masked": masked[f],
            "can_reveal": f in allowed and masked[f],
        }
        for f in ("name", "phone", "id_number")
    ]


@login_required
def detail(request, pk: int):
    """A person as staff see them: masked, with a logged "show" per field the role may reveal."""
    person = selectors.person_for_staff(request.user, pk)
    records = selectors.own_records(person)
    show_log = selectors.can_read_access_log(request.user, person)
    return render(
        request,
        "territory/people/detail.html",
        {
            "person": person,
            "rows": _field_rows(request.user, person),
            "age": selectors.age_on(person.birth_date),
            "records": records,
            "show_log": show_log,
            "log": records["accesses"][:100] if show_log else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reveal(request, pk: int, field: str):
    """Ask for a reason (GET), then show the value once and log it (POST). htmx swaps the cell."""
    person = selectors.person_for_staff(request.user, pk)
    if field not in rules.REVEAL:
        raise Http404
    if not selectors.can_reveal(request.user, person, field):
        raise PermissionDenied(
            _("Your role may not see this person's %(field)s.") % {"field": rules.REVEAL_LABELS[field]}
        )
    ctx = {
        "person": person,
        "field": field,
        "label": rules.REVEAL_LABELS[field],
        "error": None,
        "value": None,
    }
    partial = request.htmx and not request.htmx.boosted
    if request.method == "POST":
        try:
            ctx["value"] = services.reveal(request.user, person, field, request.POST.get("reason", ""))
        except ValidationError as exc:
            ctx["error"] = " ".join(exc.messages)
        else:
            ctx["at"] = timezone.now()
    template = "territory/people/_reveal.html" if partial else "territory/people/reveal.html"
    return render(request, template, ctx)


@login_required
def me(request):
    """What doorstep holds about the logged-in resident, with export and erase buttons."""
    person = selectors.own_person(request.user)
    ctx = {"person": person}
    if person is not None:
        ctx["records"] = selectors.own_records(person)
    return render(request, "territory/people/me.html", ctx)


@login_required
@require_POST
def export(request):
    """Download everything about me as JSON (the export is logged)."""
    data = services.export_own_data(request.user)
    response = HttpResponse(services.export_json(data), content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="doorstep-my-data-{stamp}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def erase(request):
    """Delete (anonymise) my data after a confirmation step; then the login ends."""
    person = selectors.own_person(request.user)
    if person is None:
        raise Http404
    error = None
    if request.method == "POST":
        if request.POST.get("confirm") == "yes":
            services.anonymise_person(request.user, person)
            logout(request)
            messages.success(request, _("Your personal data has been erased and your login closed."))
            return redirect("web:home")
        error = _("Tick the box to confirm.")
    return render(request, "territory/people/erase.html", {"person": person, "error": error})
