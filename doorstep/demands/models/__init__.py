"""民需解在家门口 — demands (every voice) and the cases that answer them."""

from .cases import Case, CaseEvent, Postponement, Rating, WhistlePart
from .categories import Category, TimeLimit
from .demands import Demand, Follow, Photo
from .intake import DemandCounter, IntakeKey, TriageEvent

__all__ = [
    "Case",
    "CaseEvent",
    "Category",
    "Demand",
    "DemandCounter",
    "Follow",
    "IntakeKey",
    "Photo",
    "Postponement",
    "Rating",
    "TimeLimit",
    "TriageEvent",
    "WhistlePart",
]
