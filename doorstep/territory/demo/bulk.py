"""Fast inserts for the demo's biggest tables (people, dwellings, households, owners).

Django's bulk_create builds a model instance per row and prepares each value through the
field; at seed scale (hundreds of thousands of rows) that is most of the build time. Here a
row is a tuple, each column's value is converted once with the backend's own adapters (or the
field's, for encrypted and decimal columns), and rows go in with executemany. Tables whose ids
are needed by later rows get their ids assigned here; `finish()` then moves PostgreSQL's
sequences past them (SQLite needs nothing). Plain INSERT statements: SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.core.management.color import no_style
from django.db import connections, models, router
from django.db.models import Max
from django.utils import timezone

from doorstep.core.pii import EncryptedTextField

CHUNK = 5000


class FastTable:
    def __init__(self, model: type[models.Model], columns: Sequence[str], *, ids: bool):
        """`columns` are field names (a foreign key by its name, given the related id)."""
        self.model = model
        self.conn = connections[router.db_for_write(model)]
        self.ids = ids
        fields = [model._meta.get_field(name) for name in columns]
        stamps = [
            f for f in ("created_at", "updated_at") if f in {x.name for x in model._meta.concrete_fields}
        ]
        now = self.conn.ops.adapt_datetimefield_value(timezone.now())
        self.prefix = ([None] if ids else []) + [now] * len(stamps)
        names = (["id"] if ids else []) + stamps + [f.column for f in fields]
        qn = self.conn.ops.quote_name
        self.sql = (
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(n) for n in names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))})"
        )
        self.converters = [self._converter(f) for f in fields]
        self.rows: list[list] = []
        self._next_id: int | None = None

    def _converter(self, field) -> Callable | None:
        ops = self.conn.ops
        if isinstance(field, EncryptedTextField):
            return lambda v, f=field, c=self.conn: f.get_db_prep_save(v, c)
        if isinstance(field, models.DateTimeField):
            return ops.adapt_datetimefield_value
        if isinstance(field, models.DateField):
            return ops.adapt_datefield_value
        if isinstance(field, models.DecimalField):
            return lambda v, f=field: ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places)
        return None

    def next_id(self) -> int:
        if self._next_id is None:
            self._next_id = (self.model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        pk = self._next_id
        self._next_id += 1
        return pk

    def add(self, *values) -> int | None:
        """Queue a row (values in column order); returns its id when this table assigns ids."""
        row = list(self.prefix)
        pk = None
        if self.ids:
            pk = row[0] = self.next_id()
        for value, convert in zip(values, self.converters, strict=True):
            row.append(convert(value) if convert is not None and value is not None else value)
        self.rows.append(row)
        return pk

    def flush(self) -> None:
        with self.conn.cursor() as cursor:
            for i in range(0, len(self.rows), CHUNK):
                cursor.executemany(self.sql, self.rows[i : i + CHUNK])
        self.rows = []


def finish(*tables_models: type[models.Model]) -> None:
    """Move id sequences past explicitly assigned ids (PostgreSQL; nothing to do on SQLite)."""
    for model in tables_models:
        conn = connections[router.db_for_write(model)]
        statements = conn.ops.sequence_reset_sql(no_style(), [model])
        if statements:
            with conn.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
