"""Micro-wishes in the JSON API (on the resources router):

GET  /api/v1/resources/wishes                published wishes, public details only (anyone)
POST /api/v1/resources/wishes/{id}/claim     a volunteer claims (session + CSRF)
POST /api/v1/resources/wishes/{id}/fulfil    the claimer marks it fulfilled (session + CSRF)

Errors: 404 `not_found` for a wish the caller may not see (an outsider learns nothing), 409
`wish_taken` when someone else claimed it first, 409 `not_allowed_now` in the wrong state,
403 `forbidden`, 422 `invalid` for bad input. No name, phone or address of a beneficiary is ever
in an answer: the list reads only the public columns.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import Query, Schema

from doorstep.core.api import READ_ERRORS, WRITE_ERRORS, ApiError, Session
from doorstep.territory.models import Region

from . import wishes
from .api import router
from .wish_models import Wish


class WishListIn(Schema):
    community: str | None = None  # a community's region code: its wishes only
    limit: int = 50


class WishOut(Schema):
    id: int
    status: str
    status_label: str
    category: str
    category_label: str
    group_label: str
    text: str
    place: str
    claimed_by: str
    published_at: str | None


def _out(w: Wish) -> dict:
    return {
        "id": w.pk,
        "status": w.status,
        "status_label": str(w.get_status_display()),
        "category": w.category,
        "category_label": str(w.get_category_display()),
        "group_label": str(w.get_group_display()),
        "text": w.public_text,
        "place": w.place_label,
        "claimed_by": w.claimer_label,
        "published_at": w.published_at.isoformat() if w.published_at else None,
    }


@router.get("/resources/wishes", response={200: list[WishOut], **READ_ERRORS}, summary="Micro-wish wall")
def api_wishes(request, params: Query[WishListIn]):
    """Published wishes: of the caller's community and its neighbours when signed in as a
    resident, else the newest anywhere (or of `community`). Public details only."""
    person = wishes.own_person(request.user)
    ids = None
    if params.community:
        region = Region.objects.filter(code=params.community, level=Region.Level.COMMUNITY).only("pk").first()
        if region is None:
            raise Http404
        ids = [region.pk]
    return [_out(w) for w in wishes.wall(person, community_ids=ids, limit=max(1, min(params.limit, 200)))]


class ClaimIn(Schema):
    team: int | None = None
    org: int | None = None


class FulfilIn(Schema):
    note: str
    hours: str = ""


def _move(request, pk: int, action: str, source, **data) -> dict:
    user = request.auth.require_user()
    wish = source.filter(pk=pk).first()
    if wish is None:
        raise Http404
    try:
        moved = wishes.transition(wish, action, by=user, **data)
    except wishes.WishError as exc:
        code = {"taken": "wish_taken", "unknown": "invalid"}.get(exc.code, "not_allowed_now")
        raise ApiError(409 if code != "invalid" else 422, code, " ".join(exc.messages)) from exc
    except PermissionDenied as exc:
        raise ApiError(403, "forbidden", str(exc)) from exc
    except DjangoValidationError:
        raise
    moved = wishes._public(Wish.objects.filter(pk=moved.pk)).get()
    return _out(moved)


@router.post(
    "/resources/wishes/{pk}/claim",
    auth=[Session()],
    response={200: WishOut, **WRITE_ERRORS},
    summary="Claim a micro-wish",
)
def api_claim(request, pk: int, payload: ClaimIn):
    """Claim a published wish of your wall, for yourself, a team or a unit you belong to."""
    person = wishes.own_person(request.auth.require_user())
    return _move(request, pk, "claim", wishes.claimable(person), team=payload.team, org=payload.org)


@router.post(
    "/resources/wishes/{pk}/fulfil",
    auth=[Session()],
    response={200: WishOut, **WRITE_ERRORS},
    summary="Mark a claimed micro-wish fulfilled",
)
def api_fulfil(request, pk: int, payload: FulfilIn):
    """The claimer says how the wish was fulfilled (and the hours given); credits their points once."""
    person = wishes.own_person(request.auth.require_user())
    source = Wish.objects.filter(claimer=person) if person is not None else Wish.objects.none()
    return _move(request, pk, "fulfil", source, note=payload.note, hours=payload.hours)
