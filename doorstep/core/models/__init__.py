"""Shared kernel models: users, the personal-data access log, the work calendar,
notifications."""

from .audit import PiiAccess
from .base import StatusEvent, TimeStampedModel
from .calendar import CalendarDay, CalendarYear
from .notifications import Notification, OutboundMessage
from .users import User

__all__ = [
    "CalendarDay",
    "CalendarYear",
    "Notification",
    "OutboundMessage",
    "PiiAccess",
    "StatusEvent",
    "TimeStampedModel",
    "User",
]
