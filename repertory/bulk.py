"""Plain multi-row INSERTs for the large writes of an import (tens of thousands of rows).

Building a model instance per row costs more than the database does; an import writes tuples straight
through the connection's `executemany`, inside the caller's transaction, on every supported database.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from django.db import connection, models

BATCH = 2000


def refresh_statistics(*tables: type[models.Model]) -> None:
    """After a bulk load, let PostgreSQL's planner see the new row counts now rather than at the next autovacuum."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def insert_rows(model: type[models.Model], fields: list[str], rows: Iterable[tuple]) -> int:
    """Insert `rows` (tuples of database-ready values, in the order of `fields`); how many were written."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams rows without parsing a statement per row: PostgreSQL's bulk path.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        # SQLite loops in C; mysqlclient folds the rows of an executemany into multi-row INSERTs.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        for chunk in _chunks(rows, BATCH):
            cursor.executemany(sql, chunk)
            written += len(chunk)
    return written


def _chunks(rows: Iterable, size: int):
    """Tuples of `size` rows (the last one shorter): itertools.batched, which Python 3.11 (Open edX Ulmo) lacks."""
    iterator = iter(rows)
    while chunk := tuple(islice(iterator, size)):
        yield chunk
