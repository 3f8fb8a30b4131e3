"""Weekly opening hours of a place, and "open now" in Asia/Shanghai.

Stored as JSON: weekday keys ("mon" … "sun") each with a list of "HH:MM-HH:MM" blocks, e.g.
``{"mon": ["08:30-12:00", "14:30-17:30"], "sat": ["09:00-12:00"]}``. A missing day is closed.
"24:00" may close a block; a block closing before it opens runs past midnight into the next day
("20:00-02:00"). An empty value means the hours are not known (open-now is then unknown, not
"closed"). "Open now" is computed in Asia/Shanghai whatever the server's time zone.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = {
    "mon": _("Mon"),
    "tue": _("Tue"),
    "wed": _("Wed"),
    "thu": _("Thu"),
    "fri": _("Fri"),
    "sat": _("Sat"),
    "sun": _("Sun"),
}
MINUTES_PER_DAY = 24 * 60


def _minutes(text: str) -> int:
    try:
        hh, mm = text.strip().split(":")
        h, m = int(hh), int(mm)
    except (AttributeError, ValueError):
        raise ValidationError(_("“%(value)s” is not a time like 08:30"), params={"value": text}) from None
    if not (0 <= m < 60 and (0 <= h < 24 or (h == 24 and m == 0))):
        raise ValidationError(_("“%(value)s” is not a time like 08:30"), params={"value": text})
    return h * 60 + m


def parse_block(text: str) -> tuple[int, int]:
    """ "08:30-12:00" → (510, 720) in minutes after midnight."""
    if not isinstance(text, str) or text.count("-") != 1:
        raise ValidationError(_("“%(value)s” is not a time block like 08:30-12:00"), params={"value": text})
    start, end = (_minutes(part) for part in text.split("-"))
    if start in (end, MINUTES_PER_DAY):
        raise ValidationError(_("“%(value)s” is not a time block like 08:30-12:00"), params={"value": text})
    return start, end


def validate_hours(value) -> None:
    """Model validator: the JSON shape described in the module docstring."""
    if value in (None, {}, ""):
        return
    if not isinstance(value, dict):
        raise ValidationError(_("Opening hours must map weekdays (mon … sun) to lists of time blocks."))
    for key, blocks in value.items():
        if key not in DAYS:
            raise ValidationError(_("Unknown weekday “%(day)s”: use mon … sun"), params={"day": key})
        if not isinstance(blocks, list):
            raise ValidationError(_("Opening hours must map weekdays (mon … sun) to lists of time blocks."))
        for block in blocks:
            parse_block(block)


def is_open(hours: dict | None, at: datetime | None = None) -> bool | None:
    """Whether the place is open at `at` (default now), in Shanghai time; None when hours are unknown."""
    if not hours:
        return None
    at = (at or timezone.now()).astimezone(SHANGHAI)
    day = at.weekday()
    minute = at.hour * 60 + at.minute
    for start, end in (parse_block(b) for b in hours.get(DAYS[day], ())):
        if start < end and start <= minute < end:
            return True
        if end < start and minute >= start:  # runs past midnight: the evening part
            return True
    for start, end in (parse_block(b) for b in hours.get(DAYS[(day - 1) % 7], ())):
        if end < start and minute < end:  # yesterday's block running past midnight
            return True
    return False


def lines(hours: dict | None) -> list[tuple[str, str]]:
    """Display rows: (days, blocks), consecutive days with equal blocks grouped ("Mon–Fri")."""
    if not hours:
        return []
    rows: list[tuple[list[str], tuple[str, ...]]] = []
    for day in DAYS:
        blocks = tuple(hours.get(day, ()))
        if rows and rows[-1][1] == blocks:
            rows[-1][0].append(day)
        else:
            rows.append(([day], blocks))
    out = []
    for days, blocks in rows:
        label = str(DAY_LABELS[days[0]])
        if len(days) > 1:
            label += "–" + str(DAY_LABELS[days[-1]])
        out.append(
            (label, ", ".join(b.replace("-", "–") for b in blocks) if blocks else str(_("closed all day")))
        )
    return out


def every_day(*blocks: str) -> dict:
    return {day: list(blocks) for day in DAYS}


def weekdays(*blocks: str, weekend: tuple[str, ...] = ()) -> dict:
    hours = {day: list(blocks) for day in DAYS[:5]}
    if weekend:
        hours.update({day: list(weekend) for day in DAYS[5:]})
    return hours


__all__ = ["DAYS", "SHANGHAI", "every_day", "is_open", "lines", "parse_block", "validate_hours", "weekdays"]
