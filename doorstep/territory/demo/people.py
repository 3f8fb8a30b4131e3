"""Synthetic people for the demo city: names, birth dates, ID numbers and phones.

ID numbers are valid GB 11643 numbers (they pass `doorstep.core.ids.parse_id_number`: real
birth dates, gender parity, the MOD 11-2 check character) but belong to nobody: every one
starts with the address code 360999, which no edition of GB/T 2260 has assigned — Yichun's
county codes are 360902–360983, and before 2000 the prefecture used 3622xx. No citizen's
number starts with an unassigned address code, so no real person holds any of these.

Phones are 11-digit mobiles in the 199-00 block for residents and 199-01 for staff and
contacts: `^1[3-9]\\d{9}$`-valid, and recognisable as placeholders at a glance.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from doorstep.core.ids import check_character

from . import places

DEMO_ADDRESS_CODE = "360999"
RESIDENT_PHONE_PREFIX = "19900"
STAFF_PHONE_PREFIX = "19901"


class PeopleFactory:
    """Deterministic synthetic identities; one instance per build so numbers never repeat."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._next_seq: dict[tuple[date, int], int] = {}
        self._phones = {RESIDENT_PHONE_PREFIX: 0, STAFF_PHONE_PREFIX: 0}
        surnames = places.SURNAMES
        # Common surnames first: a gently falling weight.
        self._surname_weights = [1 / (1 + i / 8) for i in range(len(surnames))]

    def name(self, gender: str, surname: str | None = None) -> str:
        rng = self.rng
        surname = surname or rng.choices(places.SURNAMES, self._surname_weights)[0]
        pool = places.GIVEN_MALE if gender == "M" else places.GIVEN_FEMALE
        given = rng.choice(pool) if rng.random() < 0.3 else rng.choice(pool) + rng.choice(pool)
        return surname + given

    def birth_date(self, age_from: int, age_to: int, today: date) -> date:
        days = self.rng.randint(age_from * 365 + 1, age_to * 365 + 300)
        return today - timedelta(days=days)

    def id_number(self, born: date, gender: str) -> str:
        """360999 + birth date + a sequence unique for that day with the gender's parity + check."""
        parity = 1 if gender == "M" else 0
        key = (born, parity)
        n = self._next_seq.get(key, 0)
        self._next_seq[key] = n + 1
        seq = 2 * n + parity if parity else 2 * n + 2  # males 001, 003 …; females 002, 004 …
        if seq > 999:
            raise ValueError("more than 500 synthetic people of one gender born on one day")
        first17 = f"{DEMO_ADDRESS_CODE}{born:%Y%m%d}{seq:03d}"
        return first17 + check_character(first17)

    def phone(self, staff: bool = False) -> str:
        prefix = STAFF_PHONE_PREFIX if staff else RESIDENT_PHONE_PREFIX
        self._phones[prefix] += 1
        n = self._phones[prefix]
        if n > 999_999:
            raise ValueError("synthetic phone block exhausted")
        return f"{prefix}{n:06d}"
