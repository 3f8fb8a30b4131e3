"""Shared kernel models: users, the personal-data access log, the work calendar."""

from .audit import PiiAccess
from .base import TimeStampedModel
from .calendar import CalendarDay, CalendarYear
from .users import User

__all__ = ["CalendarDay", "CalendarYear", "PiiAccess", "TimeStampedModel", "User"]
