"""Shared kernel models: users, the personal-data access log, the work calendar."""

from .audit import PiiAccess
from .base import TimeStampedModel
from .users import User

__all__ = ["PiiAccess", "TimeStampedModel", "User"]
