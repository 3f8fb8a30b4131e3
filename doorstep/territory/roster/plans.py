"""What an import will write: one plan per entity, keyed by its natural key.

A plan either creates a row (pk is None: `values` holds every field) or updates one (`values`
holds only the fields that change). Foreign keys to rows that may not exist yet are kept as
`refs`: (registry, natural key) pairs turned into primary keys at write time.
"""

from dataclasses import dataclass, field


@dataclass(slots=True)
class Plan:
    sheet: str
    row: int
    key: object
    pk: int | None
    values: dict = field(default_factory=dict)
    refs: dict = field(default_factory=dict)
    touched: bool = False  # something besides fields changes (a grid's compounds)

    @property
    def is_new(self) -> bool:
        return self.pk is None

    @property
    def changes(self) -> bool:
        return self.pk is None or bool(self.values) or bool(self.refs) or self.touched


def changed(current: dict, wanted: dict) -> dict:
    """The wanted values that differ from the current ones (None in `wanted` means keep)."""
    return {k: v for k, v in wanted.items() if v is not None and current.get(k) != v}


def chunks(items, size: int = 500):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]
