"""The category tree (类别): seed data, the rules an edit must follow, and the public tree.

The seed table is `data/categories.json` (the classes of ../shared/domain/cases.md and the
residential ones the 春天里 article names, with local default limits). `seed_categories()` loads
it after `migrate` when the table is empty; from then on admins edit the classes in the admin,
where `validate_category` keeps the tree two levels deep and the limits positive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.apps import apps as global_apps
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.translation import gettext_lazy as _

from .models import Category, TimeLimit

SEED_FILE = Path(__file__).parent / "data" / "categories.json"
DEFAULT_DUPLICATE_RADIUS_M = 250
MAX_DUPLICATE_RADIUS_M = 5000
LIMIT_FIELDS = ("accept", "respond", "handle")
COMPONENT_PREFIX = "C"  # 部件 (public facilities) classes; event classes have numeric codes


# --- seed ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedClass:
    """One row of the seed table with the defaults of its major class and of the file applied."""

    code: str
    name: str
    parent: str | None
    responsible_level: str
    department_kind: str
    accept: tuple[int, str]
    respond: tuple[int, str]
    handle: tuple[int, str]
    urgent: bool
    duplicate_radius_m: int
    keywords: tuple[str, ...]

    def fields(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "responsible_level": self.responsible_level,
            "department_kind": self.department_kind,
            "accept_limit": self.accept[0],
            "accept_unit": self.accept[1],
            "respond_limit": self.respond[0],
            "respond_unit": self.respond[1],
            "handle_limit": self.handle[0],
            "handle_unit": self.handle[1],
            "urgent": self.urgent,
            "duplicate_radius_m": self.duplicate_radius_m,
            "keywords": "\n".join(self.keywords),
            "active": True,
        }


def _limit(value) -> tuple[int, str]:
    amount, unit = value
    if unit not in TimeLimit.values or int(amount) <= 0:
        raise ValueError(f"bad limit {value!r}")
    return int(amount), unit


def _row(spec: dict, base: dict, urgent_base: dict, parent: str | None) -> SeedClass:
    merged = {**base, **spec}
    if merged.get("urgent") and not all(k in spec for k in LIMIT_FIELDS):
        # An urgent class without limits of its own takes the urgent defaults.
        merged = {**base, **urgent_base, **spec}
    return SeedClass(
        code=spec["code"],
        name=spec["name"],
        parent=parent,
        responsible_level=merged["level"],
        department_kind=merged.get("department", ""),
        accept=_limit(merged["accept"]),
        respond=_limit(merged["respond"]),
        handle=_limit(merged["handle"]),
        urgent=bool(merged.get("urgent", False)),
        duplicate_radius_m=int(merged.get("radius", DEFAULT_DUPLICATE_RADIUS_M)),
        keywords=tuple(spec.get("keywords", ())),
    )


@cache
def seed_table(path: Path = SEED_FILE) -> tuple[SeedClass, ...]:
    """The seed file as rows, majors first (each followed by its minors)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    defaults = data["defaults"]
    urgent_defaults = data.get("urgent_defaults", {})
    rows: list[SeedClass] = []
    for major in data["majors"]:
        base = {**defaults, **major.get("defaults", {})}
        rows.append(_row({k: v for k, v in major.items() if k != "minors"}, defaults, {}, None))
        for minor in major["minors"]:
            rows.append(_row(minor, base, urgent_defaults, major["code"]))
    return tuple(rows)


def seed_categories(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> int:
    """Load the seed table into an empty category table; return how many classes were created.

    Runs after every `migrate` (post_migrate): a table with any row is left alone, so classes
    that admins changed or removed are never touched. Two INSERTs, a few milliseconds.
    """
    model = apps.get_model("demands", "Category")
    manager = model._default_manager.db_manager(using)
    if manager.exists():
        return 0
    rows = seed_table()
    with transaction.atomic(using=using):
        majors = [model(**r.fields()) for r in rows if r.parent is None]
        manager.bulk_create(majors)
        ids = dict(manager.values_list("code", "pk"))
        minors = [model(parent_id=ids[r.parent], **r.fields()) for r in rows if r.parent is not None]
        manager.bulk_create(minors)
    return len(rows)


def seed_after_migrate(sender, app_config=None, using=DEFAULT_DB_ALIAS, apps=None, **kwargs):
    """post_migrate receiver (connected in apps.py)."""
    apps = apps or global_apps
    try:
        apps.get_model("demands", "Category")
    except LookupError:  # migrated back before the category table existed
        return
    seed_categories(apps=apps, using=using)


# --- rules for edits -----------------------------------------------------------------------


def keyword_lines(text: str) -> list[str]:
    """Keywords as admins type them: one per line (commas and 、 also separate), no duplicates."""
    seen: list[str] = []
    for raw in (text or "").replace("，", "\n").replace(",", "\n").replace("、", "\n").splitlines():
        word = raw.strip()
        if word and word not in seen:
            seen.append(word)
    return seen


def validate_category(category: Category) -> None:
    """The rules of the tree; raise ValidationError keyed by field.

    Two levels only: a major class has no parent, a minor class has a major class as parent.
    Limits and the duplicate radius are positive. A minor code starts with its major's code, so
    codes read as the standard's do (major + two digits).
    """
    errors: dict[str, list] = {}
    parent = category.parent if category.parent_id else None
    if parent is not None:
        if category.pk is not None and parent.pk == category.pk:
            errors.setdefault("parent", []).append(_("A class cannot be its own major class."))
        elif parent.parent_id is not None:
            errors.setdefault("parent", []).append(
                _("%(name)s is itself a minor class: a minor class must sit under a major class.")
                % {"name": parent.name}
            )
        elif category.pk is not None and Category.objects.filter(parent_id=category.pk).exists():
            errors.setdefault("parent", []).append(
                _("This major class has minor classes: it cannot become a minor class itself.")
            )
        elif category.code and not category.code.startswith(parent.code):
            errors.setdefault("code", []).append(
                _("A minor class's code starts with its major class's code (%(code)s).")
                % {"code": parent.code}
            )
    for name in LIMIT_FIELDS:
        value = getattr(category, f"{name}_limit")
        if value is None or value <= 0:
            errors.setdefault(f"{name}_limit", []).append(_("A limit must be more than zero."))
        if getattr(category, f"{name}_unit") not in TimeLimit.values:
            errors.setdefault(f"{name}_unit", []).append(_("Choose working hours, working days or hours."))
    radius = category.duplicate_radius_m
    if radius is None or not 0 < radius <= MAX_DUPLICATE_RADIUS_M:
        errors.setdefault("duplicate_radius_m", []).append(
            _("The duplicate radius is between 1 and %(max)d metres.") % {"max": MAX_DUPLICATE_RADIUS_M}
        )
    if category.responsible_level == Category.Level.DEPARTMENT and not category.department_kind.strip():
        errors.setdefault("department_kind", []).append(
            _("Name the department when the responsible level is a department.")
        )
    if errors:
        raise ValidationError(errors)


def save_category(category: Category, *, by=None) -> Category:
    """Validate and save one class (the admin's save path); keywords are tidied to one per line."""
    category.keywords = "\n".join(keyword_lines(category.keywords))
    category.full_clean()
    validate_category(category)
    category.save()
    return category


# --- reads ---------------------------------------------------------------------------------


def is_component(category: Category) -> bool:
    return category.code.startswith(COMPONENT_PREFIX)


def minor_classes(*, active_only: bool = True):
    qs = Category.objects.filter(parent__isnull=False).select_related("parent").order_by("code")
    if active_only:
        qs = qs.filter(active=True, parent__active=True)
    return qs


def category_tree(*, active_only: bool = True) -> list[tuple[Category, list[Category]]]:
    """Major classes in code order, each with its minor classes: one query."""
    rows = Category.objects.order_by("code")
    if active_only:
        rows = rows.filter(active=True)
    majors: dict[int, tuple[Category, list[Category]]] = {}
    minors: list[Category] = []
    for c in rows:
        if c.parent_id is None:
            majors[c.pk] = (c, [])
        else:
            minors.append(c)
    for c in minors:
        if c.parent_id in majors:
            c.parent = majors[c.parent_id][0]
            majors[c.parent_id][1].append(c)
    return list(majors.values())


def resolve(category) -> Category | None:
    """A Category from an instance, a primary key (int) or a code (str); None stays None."""
    if category is None or isinstance(category, Category):
        return category
    if isinstance(category, str):
        return Category.objects.filter(code=category).first()
    return Category.objects.filter(pk=int(category)).first()


def duplicate_radius(category) -> int:
    category = resolve(category)
    if category is None or not category.duplicate_radius_m:
        return DEFAULT_DUPLICATE_RADIUS_M
    return category.duplicate_radius_m
