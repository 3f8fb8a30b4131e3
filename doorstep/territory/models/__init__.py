"""组织建在家门口 — the territory, its buildings and people, and the organisations at every door."""

from .buildings import Building, Dwelling, Household, HouseholdMember, Ownership
from .grids import DepartmentContact, Grid, GridMember
from .organizations import JointBodySeat, Organization, OrgMembership, PropertyService
from .people import PartyMembership, Person, PersonTag, Role
from .regions import Region

__all__ = [
    "Building",
    "DepartmentContact",
    "Dwelling",
    "Grid",
    "GridMember",
    "Household",
    "HouseholdMember",
    "JointBodySeat",
    "OrgMembership",
    "Organization",
    "Ownership",
    "PartyMembership",
    "Person",
    "PersonTag",
    "PropertyService",
    "Region",
    "Role",
]
