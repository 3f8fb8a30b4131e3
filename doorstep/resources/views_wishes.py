"""Micro-wish pages: the wish wall (public; a volunteer claims there), my wishes (claimed: deliver
and mark fulfilled; posted: withdraw and thank), posting a wish, and the staff desk (review,
publish, reject; the full record masked, every reveal logged). Outsiders get 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.territory.people.selectors import scope_for_kinds

from . import wishes
from .views_riders import _errors
from .wish_models import Wish

STAFF_ROWS = 200
POST_FIELDS = (
    "region",
    "category",
    "group",
    "wish_text",
    "beneficiary_name",
    "age",
    "birth_year",
    "guardian_name",
    "guardian_phone",
    "address",
)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this.")


@require_GET
def wall(request):
    """Published wishes of my community and nearby (anyone; public details only)."""
    person = wishes.own_person(request.user)
    own, ids = wishes.wall_community_ids(person)
    context = {
        "person": person,
        "wishes": wishes.wall(person, community_ids=ids, own=own),
        "fulfilled": wishes.recently_fulfilled(ids or None),
        "own_community": own,
        "teams": wishes.teams_of(person),
        "orgs": wishes.orgs_of(person),
    }
    return render(request, "resources/wishes/wall.html", context)


@login_required
@require_POST
def claim(request, pk: int):
    person = wishes.own_person(request.user)
    wish = get_object_or_404(wishes.claimable(person), pk=pk)
    try:
        wishes.transition(
            wish, "claim", by=request.user, team=request.POST.get("team"), org=request.POST.get("org")
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _message(exc))
        return redirect("resources:wishes_wall")
    messages.success(request, _("You claimed the wish. The delivery details are under My wishes."))
    return redirect("resources:wishes_mine")


@login_required
@require_GET
def mine(request):
    person = wishes.own_person(request.user)
    claimed = list(wishes.claimed_by(person)[:100])
    for w in claimed:
        w.can_act = w.status == Wish.Status.CLAIMED
    context = {
        "person": person,
        "claimed": claimed,
        "posted": list(wishes.posted_by(request.user)[:100]),
        "actions": wishes.TABLE,
    }
    return render(request, "resources/wishes/mine.html", context)


MINE_ACTIONS = {"release", "fulfil", "withdraw", "thank"}


@login_required
@require_POST
def mine_action(request, pk: int, action: str):
    if action not in MINE_ACTIONS:
        raise Http404
    person = wishes.own_person(request.user)
    if action in ("release", "fulfil"):
        wish = get_object_or_404(
            Wish.objects.filter(claimer=person) if person else Wish.objects.none(), pk=pk
        )
    else:
        wish = get_object_or_404(Wish, pk=pk, posted_by=request.user)
    post = request.POST
    try:
        wishes.transition(
            wish,
            action,
            by=request.user,
            note=post.get("note", ""),
            hours=post.get("hours", ""),
            thanks=post.get("thanks", ""),
            photo=request.FILES.get("photo"),
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(
            request, _("Micro-wish #%(n)d: %(what)s.") % {"n": wish.pk, "what": wishes.TABLE[action].label}
        )
    return redirect("resources:wishes_mine")


@login_required
@require_http_methods(["GET", "POST"])
def post(request):
    regions = wishes.post_regions(request.user)
    staff = not scope_for_kinds(request.user, wishes.POST_KINDS).is_empty
    errors, form = {}, {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in POST_FIELDS}
        region = next((r for r in regions if str(r.pk) == form["region"]), None)
        try:
            if region is None:
                raise ValidationError({"region": [_("Choose the community or compound.")]})
            wish = wishes.post_wish(request.user, **{**form, "region": region})
        except ValidationError as exc:
            errors = _errors(exc)
        except PermissionDenied as exc:
            errors = {"form": [_message(exc)]}
        else:
            messages.success(
                request, _("Wish #%(n)d was posted; the community's staff will review it.") % {"n": wish.pk}
            )
            if staff:
                return redirect("resources:staff_wish", pk=wish.pk)
            return redirect("resources:wishes_mine")
    context = {
        "regions": regions,
        "staff": staff,
        "form": form,
        "errors": errors,
        "categories": Wish.Category.choices,
        "groups": Wish.Group.choices,
    }
    return render(request, "resources/wishes/post.html", context, status=400 if errors else 200)


# --- staff ------------------------------------------------------------------------------------------


def _require_staff(user):
    if scope_for_kinds(user, wishes.POST_KINDS).is_empty:
        raise PermissionDenied(_("You have no area to manage wishes in."))


@login_required
@require_GET
def staff_list(request):
    _require_staff(request.user)
    status = request.GET.get("status", "")
    qs = wishes.staff_wishes(request.user)
    if status in Wish.Status.values:
        qs = qs.filter(status=status)
    context = {"wishes": qs[:STAFF_ROWS], "statuses": Wish.Status.choices, "status": status}
    return render(request, "resources/wishes/staff_list.html", context)


def _detail(request, wish: Wish, *, errors=None, revealed=None, form=None, status=200):
    context = {
        "wish": wish,
        "events": wish.events.select_related("by").all(),
        "labels": wishes.ACTION_LABELS,
        "allowed": [t.action for t in wishes.allowed(request.user, wish)],
        "can_reveal": wishes.can_reveal(request.user, wish),
        "reveal_fields": wishes.REVEAL_FIELDS,
        "revealed": revealed or {},
        "access": wishes.access_log(wish)[:20],
        "errors": errors or {},
        "form": form or {},
        "categories": Wish.Category.choices,
    }
    return render(request, "resources/wishes/staff_detail.html", context, status=status)


@login_required
@require_GET
def staff_detail(request, pk: int):
    return _detail(request, wishes.staff_wish(request.user, pk))


STAFF_ACTIONS = {"review", "publish", "reject", "withdraw", "release", "thank"}


@login_required
@require_POST
def staff_action(request, pk: int, action: str):
    wish = wishes.staff_wish(request.user, pk)
    if action not in STAFF_ACTIONS:
        raise Http404
    data = {k: request.POST.get(k, "") for k in request.POST if k != "csrfmiddlewaretoken"}
    try:
        wishes.transition(wish, action, by=request.user, **data)
    except ValidationError as exc:
        wish.refresh_from_db()
        return _detail(request, wish, errors=_errors(exc), form=data, status=400)
    except PermissionDenied as exc:
        return _detail(request, wish, errors={"form": [_message(exc)]}, status=403)
    messages.success(
        request, _("Micro-wish #%(n)d: %(what)s.") % {"n": wish.pk, "what": wishes.TABLE[action].label}
    )
    return redirect("resources:staff_wish", pk=wish.pk)


@login_required
@require_POST
def staff_reveal(request, pk: int):
    wish = wishes.staff_wish(request.user, pk)
    field = request.POST.get("field", "")
    try:
        value = wishes.reveal(request.user, wish, field, request.POST.get("reason", ""))
    except ValidationError as exc:
        return _detail(request, wish, errors=_errors(exc), status=400)
    except PermissionDenied as exc:
        return _detail(request, wish, errors={"form": [_message(exc)]}, status=403)
    return _detail(request, wish, revealed={field: value})


@login_required
@require_GET
def photo(request, pk: int):
    """The evidence photo: the wish's staff and its claimer only (never public)."""
    wish = Wish.objects.filter(pk=pk).only("community", "claimer", "evidence_photo", "posted_by").first()
    if wish is None or not wish.evidence_photo:
        raise Http404
    person = wishes.own_person(request.user)
    if not (wishes.is_staff_of(request.user, wish) or (person is not None and wish.claimer_id == person.pk)):
        raise Http404
    try:
        handle = wish.evidence_photo.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
