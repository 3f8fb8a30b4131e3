"""Scope: what part of the territory a user may see and change.

A staff role is held over a region; its scope is that region's subtree. Apps build a Scope
from the user's roles (territory.selectors.scope_for) and filter their reads with it.
"""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    region_ids: frozenset[int] = field(default_factory=frozenset)
    organization_ids: frozenset[int] = field(default_factory=frozenset)
    role_kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.region_ids and not self.organization_ids

    def covers_region(self, region_id: int | None) -> bool:
        return self.everything or (region_id is not None and region_id in self.region_ids)

    def q(self, region_field: str = "region") -> Q:
        """A filter keeping rows whose `region_field` lies in scope."""
        if self.everything:
            return Q()
        if not self.region_ids:
            return Q(pk__in=[])
        return Q(**{f"{region_field}__in": sorted(self.region_ids)})

    def filter(self, qs: QuerySet, region_field: str = "region") -> QuerySet:
        return qs.filter(self.q(region_field))


NOTHING = Scope()
EVERYTHING = Scope(everything=True)
