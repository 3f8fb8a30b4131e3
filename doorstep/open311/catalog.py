"""Open311 services: our categories. Every active minor class is a service (service_code = the
class code, group = its major class); major classes are groups, not services.

Every service takes the same optional attributes (so `metadata` is true and its definition lists
them): `ticket`, the number the 12345 hotline gave the matter (a second request with the same
number is refused), and `coordinate_system`, for clients whose lat/long come from a Chinese map
SDK in GCJ-02 or BD-09 (the spec's WGS-84 is the default).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from doorstep.demands.models import Category, TimeLimit

REALTIME = "realtime"  # a request becomes a demand at once and its number is returned


def services() -> QuerySet[Category]:
    return (
        Category.objects.filter(active=True, parent__isnull=False, parent__active=True)
        .select_related("parent")
        .order_by("code")
    )


def service(code: str) -> Category | None:
    return services().filter(code=code).first()


def _limit_text(value: int, unit: str) -> str:
    return f"{value} {dict(TimeLimit.choices).get(unit, unit)}"


def service_row(category: Category) -> dict:
    keywords = [k.strip() for k in (category.keywords or "").splitlines() if k.strip()]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _("%(major)s / %(minor)s: handled within %(limit)s.")
        % {
            "major": category.parent.name,
            "minor": category.name,
            "limit": _limit_text(category.handle_limit, category.handle_unit),
        },
        "metadata": True,
        "type": REALTIME,
        "keywords": ",".join(keywords[:20]),
        "group": category.parent.name,
    }


def attributes() -> list[dict]:
    """The attributes every service takes, in order."""
    return [
        {
            "variable": True,
            "code": "ticket",
            "datatype": "string",
            "required": False,
            "datatype_description": _("3 to 40 letters, digits or dashes"),
            "order": 1,
            "description": _("The ticket number of a 12345 hotline transfer."),
            "values": [],
        },
        {
            "variable": True,
            "code": "coordinate_system",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("The system lat and long are in; WGS-84 when not given."),
            "order": 2,
            "description": _("Coordinate system"),
            "values": [
                {"key": "wgs84", "name": _("WGS-84 (GPS)")},
                {"key": "gcj02", "name": _("GCJ-02 (Chinese map apps)")},
                {"key": "bd09", "name": _("BD-09 (Baidu maps)")},
            ],
        },
    ]


ATTRIBUTE_CODES = frozenset({"ticket", "coordinate_system"})
COORDINATE_SYSTEMS = frozenset({"wgs84", "gcj02", "bd09"})


def definition(category: Category) -> dict:
    return {"service_code": category.code, "attributes": attributes()}
