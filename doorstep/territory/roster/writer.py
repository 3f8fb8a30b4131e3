"""Writing checked plans: bulk creates and bulk updates in dependency order, inside the caller's transaction.

Rows are created parents first (regions level by level, then grids, buildings, dwellings,
organisations, people, ownerships, households), so every foreign key is known when its row is
written. Updates touch only the fields that change, grouped so each group is one bulk_update.
"""

from collections import defaultdict

from django.utils import timezone

from doorstep.core.pii import lookup_hash
from doorstep.territory.models import (
    Building,
    Dwelling,
    Grid,
    Household,
    HouseholdMember,
    Organization,
    Ownership,
    Person,
    Region,
)

from .plans import Plan, chunks

BATCH = 1000


class _Keys:
    """Natural key → primary key, for every registry a plan may refer to."""

    def __init__(self, imp):
        self.imp = imp
        self.person: dict[str, int] = {}
        self.household: dict[tuple, int] = {
            imp.dwelling_key[dpk]: h["pk"]
            for dpk, h in getattr(imp, "household_of", {}).items()
            if dpk in imp.dwelling_key
        }

    def __call__(self, registry: str, key):
        if key is None:
            return None
        if registry == "region":
            return self.imp.regions[key].pk
        if registry == "person":
            return int(key[3:]) if key.startswith("db:") else self.person[key]
        if registry == "household":
            return self.household[key]
        return {
            "grid": self.imp.grids,
            "building": self.imp.buildings,
            "dwelling": self.imp.dwellings,
            "org": self.imp.orgs,
        }[registry][key]


def _fields(model, plan_values: dict, refs: dict, resolve) -> dict:
    values = dict(plan_values)
    for field, (registry, key) in refs.items():
        values[field] = resolve(registry, key)
    return values


def _create(model, plans: list[Plan], resolve, *, skip_refs=()) -> list:
    objs = [
        model(**_fields(model, p.values, {f: r for f, r in p.refs.items() if f not in skip_refs}, resolve))
        for p in plans
    ]
    model.objects.bulk_create(objs, batch_size=BATCH)
    return objs


def _update(model, plans: list[Plan], resolve, now) -> None:
    stamped = any(f.name == "updated_at" for f in model._meta.fields)
    groups: dict[tuple, list] = defaultdict(list)
    for p in plans:
        if not p.values and not p.refs:
            continue
        values = _fields(model, p.values, p.refs, resolve)
        obj = model(pk=p.pk, **values)
        fields = tuple(sorted(values))
        if stamped:
            obj.updated_at = now
            fields += ("updated_at",)
        groups[fields].append(obj)
    for fields, objs in groups.items():
        model.objects.bulk_update(objs, list(fields), batch_size=BATCH)


def _split(plans: list[Plan]) -> tuple[list[Plan], list[Plan]]:
    new = [p for p in plans if p.pk is None]
    old = [p for p in plans if p.pk is not None]
    return new, old


def write(imp) -> None:
    now = timezone.now()
    resolve = _Keys(imp)
    plans = imp.plans

    # Regions, parents first: a level's parents are all of a higher level.
    region_plans = plans.get("regions", []) + plans.get("compounds", [])
    new, old = _split(region_plans)
    for level in sorted({p.values["level"] for p in new}):
        batch = [p for p in new if p.values["level"] == level]
        for p, obj in zip(batch, _create(Region, batch, resolve), strict=True):
            imp.regions[p.key].pk = obj.pk
    _update(Region, old, resolve, now)

    new, old = _split(plans.get("grids", []))
    for p, obj in zip(new, _create(Grid, new, resolve), strict=True):
        imp.grids[p.key] = obj.pk
    _update(Grid, old, resolve, now)
    if imp.grid_compounds:
        through = Grid.compounds.through
        grid_pks = [imp.grids[code] for code in imp.grid_compounds]
        for batch in chunks(grid_pks):
            through.objects.filter(grid_id__in=batch).delete()
        through.objects.bulk_create(
            [
                through(grid_id=imp.grids[code], region_id=imp.regions[c].pk)
                for code, compounds in imp.grid_compounds.items()
                for c in compounds
            ],
            batch_size=BATCH,
        )

    for sheet, model, registry in (
        ("buildings", Building, imp.buildings),
        ("dwellings", Dwelling, imp.dwellings),
    ):
        new, old = _split(plans.get(sheet, []))
        for p, obj in zip(new, _create(model, new, resolve), strict=True):
            registry[p.key] = obj.pk
        _update(model, old, resolve, now)

    _write_organizations(imp, plans.get("organizations", []), resolve, now)
    _write_people(imp, resolve, now)

    new, old = _split(plans.get("owners", []))
    _create(Ownership, new, resolve)
    _update(Ownership, old, resolve, now)
    for batch in chunks(getattr(imp, "ended_ownerships", [])):
        Ownership.objects.filter(pk__in=batch).update(ended_on=imp.ended_on, updated_at=now)

    _write_households(imp, resolve, now)
    new, old = _split(plans.get("members", []))
    _create(HouseholdMember, new, resolve)
    _update(HouseholdMember, old, resolve, now)


def _write_organizations(imp, plans: list[Plan], resolve, now) -> None:
    """New organisations first without parent/sponsor (they may point at each other), then those links."""
    new, old = _split(plans)
    links = ("parent_id", "sponsor_id")
    for p, obj in zip(new, _create(Organization, new, resolve, skip_refs=links), strict=True):
        imp.orgs[p.key] = obj.pk
        p.pk = obj.pk
        p.values = {}
        p.refs = {f: r for f, r in p.refs.items() if f in links}
    _update(Organization, old + [p for p in new if p.refs], resolve, now)


def _write_people(imp, resolve, now) -> None:
    new_people = getattr(imp, "person_new", {})
    keys = list(new_people)
    objs = []
    for key in keys:
        values = dict(new_people[key])
        home = values.pop("home_region", None) or imp.person_home_default.get(key)
        person = Person(**values, home_region_id=resolve(*home) if home else None)
        person.refresh_lookup()
        objs.append(person)
    Person.objects.bulk_create(objs, batch_size=BATCH)
    for key, obj in zip(keys, objs, strict=True):
        resolve.person[key] = obj.pk
    groups: dict[tuple, list] = defaultdict(list)
    for pk, changes in getattr(imp, "person_changes", {}).items():
        values = dict(changes)
        if "home_region" in values:
            values["home_region_id"] = resolve(*values.pop("home_region"))
        if "id_number" in values:
            values["id_number_hash"] = lookup_hash(values["id_number"])
        person = Person(pk=pk, **values)
        person.updated_at = now
        groups[(*sorted(values), "updated_at")].append(person)
    for fields, people in groups.items():
        Person.objects.bulk_update(people, list(fields), batch_size=BATCH)


def _write_households(imp, resolve, now) -> None:
    created = getattr(imp, "household_new", {})
    heads = getattr(imp, "household_head", {})
    dkeys = list(created)
    objs = [
        Household(
            dwelling_id=resolve("dwelling", d),
            head_id=resolve("person", heads.get(d)) if d in heads else None,
        )
        for d in dkeys
    ]
    Household.objects.bulk_create(objs, batch_size=BATCH)
    for d, obj in zip(dkeys, objs, strict=True):
        resolve.household[d] = obj.pk
    changed = [
        Household(pk=resolve.household[d], head_id=resolve("person", person_key), updated_at=now)
        for d, person_key in heads.items()
        if d not in created
    ]
    Household.objects.bulk_update(changed, ["head_id", "updated_at"], batch_size=BATCH)
