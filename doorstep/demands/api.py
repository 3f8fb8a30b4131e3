"""Demands and categories in the JSON API (/api/v1/)."""

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

router = Router(tags=["demands"])


# --- categories (public, read-only) --------------------------------------------------------

SUGGEST_TEXT_MAX = 500  # characters of `text` looked at; longer input is cut, not refused
TREE_MAX_AGE = 300  # seconds a client or proxy may reuse the tree
SUGGEST_MAX_AGE = 60


class LimitOut(Schema):
    value: int
    unit: str  # working_hours | working_days | hours


class MinorClassOut(Schema):
    code: str
    name: str
    responsible_level: str
    department: str
    accept: LimitOut
    respond: LimitOut
    handle: LimitOut
    urgent: bool
    duplicate_radius_m: int


class MajorClassOut(Schema):
    code: str
    name: str
    kind: str  # event (事件) | component (部件)
    children: list[MinorClassOut]


class CategoryTreeOut(Schema):
    categories: list[MajorClassOut]


class SuggestionOut(Schema):
    code: str
    name: str
    major: str
    score: float


class SuggestionsOut(Schema):
    suggestions: list[SuggestionOut]


class SuggestIn(Schema):
    text: str = ""


def _limit(category, name: str) -> dict:
    return {"value": getattr(category, f"{name}_limit"), "unit": getattr(category, f"{name}_unit")}


@router.get("/categories", response=CategoryTreeOut, auth=None, summary="The category tree")
def category_tree(request: HttpRequest, response: HttpResponse):
    """Active major classes (事件 events 01–06, 部件 components C01–C05) with their active minor
    classes: who is responsible, the limits for accepting, responding and handling (value and
    unit), the urgent flag and the radius within which open reports count as duplicates."""
    from .categories import category_tree as tree
    from .categories import is_component

    response["Cache-Control"] = f"public, max-age={TREE_MAX_AGE}"
    return {
        "categories": [
            {
                "code": major.code,
                "name": major.name,
                "kind": "component" if is_component(major) else "event",
                "children": [
                    {
                        "code": c.code,
                        "name": c.name,
                        "responsible_level": c.responsible_level,
                        "department": c.department_kind,
                        "accept": _limit(c, "accept"),
                        "respond": _limit(c, "respond"),
                        "handle": _limit(c, "handle"),
                        "urgent": c.urgent,
                        "duplicate_radius_m": c.duplicate_radius_m,
                    }
                    for c in minors
                ],
            }
            for major, minors in tree()
        ]
    }


@router.get("/categories/suggest", response=SuggestionsOut, auth=None, summary="Suggest a category")
def category_suggest(request: HttpRequest, response: HttpResponse, query: Query[SuggestIn]):
    """The three most likely minor classes for a description, best first, with a score from 0
    to 1. Only the first 500 characters are read; empty or meaningless text gives an empty list."""
    from .suggest import suggest

    response["Cache-Control"] = f"public, max-age={SUGGEST_MAX_AGE}"
    found = suggest((query.text or "")[:SUGGEST_TEXT_MAX], k=3)
    return {
        "suggestions": [
            {
                "code": s.category.code,
                "name": s.category.name,
                "major": s.category.parent.name,
                "score": s.score,
            }
            for s in found
        ]
    }
