"""民需解在家门口 — demands (every voice) and the cases that answer them."""

from .cases import Case, CaseEvent, Postponement, Rating, WhistlePart
from .categories import Category, TimeLimit
from .demands import Demand, Follow, Photo
from .intake import DemandCounter, IntakeKey, TriageEvent
from .suggest import CategoryCorrection, SuggestModel

__all__ = [
    "Case",
    "CaseEvent",
    "Category",
    "CategoryCorrection",
    "Demand",
    "DemandCounter",
    "Follow",
    "IntakeKey",
    "Photo",
    "Postponement",
    "Rating",
    "SuggestModel",
    "TimeLimit",
    "TriageEvent",
    "WhistlePart",
]
