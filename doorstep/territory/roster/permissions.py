"""Who may import and export which roster sheets, over which part of the territory.

The rights come from the people rules table (the same one the admin reads): a sheet's rows may be
added where the user holds a role whose kind may add that model, and changed where a kind may
change it. A right held over a region covers its subtree; a role over a root region, like a
superuser or the command line without --as, covers everything.
"""

from doorstep.core.scoping import EVERYTHING, NOTHING, Scope
from doorstep.territory.models import Region, Role
from doorstep.territory.people import rules
from doorstep.territory.selectors import subtree_ids

# The model each sheet writes (persons are written by the owner and resident sheets too).
SHEET_MODELS = {
    "regions": "territory.region",
    "compounds": "territory.region",
    "grids": "territory.grid",
    "buildings": "territory.building",
    "dwellings": "territory.dwelling",
    "organizations": "territory.organization",
    "owners": "territory.ownership",
    "residents": "territory.person",
}
PERSON_MODEL = "territory.person"
# Exporting the roster of a region needs the right to view its dwellings.
EXPORT_MODEL = "territory.dwelling"
# A full (unmasked) export reveals these fields, each only where the rules allow it.
PII_FIELDS = ("name", "phone", "id_number")


def scope_of_kinds(user, kinds) -> Scope:
    """The subtrees of the user's active roles of the given kinds (None user: everything)."""
    if user is None or getattr(user, "is_superuser", False):
        return EVERYTHING
    if not user.is_authenticated or not kinds:
        return NOTHING
    roles = Role.objects.filter(user=user, active=True, kind__in=sorted(kinds)).select_related("region")
    region_ids: set[int] = set()
    for role in roles:
        if role.region.parent_id is None:
            return EVERYTHING
        region_ids |= subtree_ids(role.region)
    return Scope(region_ids=frozenset(region_ids)) if region_ids else NOTHING


class SheetRights:
    """Per sheet: where rows may be added and where existing rows may be changed."""

    def __init__(self, user):
        self.user = user
        self._cache: dict[tuple[str, str], Scope] = {}

    def scope(self, model_label: str, action: str) -> Scope:
        key = (model_label, action)
        if key not in self._cache:
            self._cache[key] = scope_of_kinds(self.user, rules.admin_kinds(model_label, action))
        return self._cache[key]

    def add(self, sheet_key: str) -> Scope:
        return self.scope(SHEET_MODELS[sheet_key], "add")

    def change(self, sheet_key: str) -> Scope:
        return self.scope(SHEET_MODELS[sheet_key], "change")

    def person_add(self) -> Scope:
        return self.scope(PERSON_MODEL, "add")

    def person_change(self) -> Scope:
        return self.scope(PERSON_MODEL, "change")


def can_import(user) -> bool:
    rights = SheetRights(user)
    return any(not rights.add(s).is_empty or not rights.change(s).is_empty for s in SHEET_MODELS)


def export_scope(user) -> Scope:
    return scope_of_kinds(user, rules.admin_kinds(EXPORT_MODEL, "view"))


def reveal_fields(user, region: Region) -> list[str]:
    """The personal-data fields this user may see unmasked over the whole of `region`."""
    return [f for f in PII_FIELDS if scope_of_kinds(user, rules.REVEAL.get(f, ())).covers_region(region.pk)]


def may_reveal(user) -> bool:
    """Whether the user may see some personal data in full somewhere (the page offers the option)."""
    return any(not scope_of_kinds(user, rules.REVEAL.get(f, ())).is_empty for f in PII_FIELDS)
