"""Multi-row inserts for the intake's hot path.

On PostgreSQL a batch goes as ONE statement with ONE parameter: the rows as a JSON array,
expanded by ``json_populate_recordset``. psycopg's executemany sends a statement per row
and converts each value in Python; for the ~9 rows a request writes that was a third of
batch intake time. Elsewhere (SQLite) and for tiny batches, SQLAlchemy Core's executemany.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session

from hub import jsoncodec

_MIN_ROWS = 4  # below this the plain path is as fast


def _plain(value: Any) -> Any:
    # Timestamps are stored as naive UTC (hub.models.UTCDateTime does the same).
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot store {type(value).__name__} in a bulk insert")


def bulk_insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table."""
    if not rows:
        return
    table = model.__table__
    keys = list(rows[0])
    missing = [c for c in table.columns if c.name not in rows[0] and c.default is not None]
    if any(not c.default.is_scalar for c in missing):  # a Python default to compute: let Core do it
        session.execute(insert(table), rows)
        return
    constants = {c.name: c.default.arg for c in missing}
    if session.get_bind().dialect.name != "postgresql":
        _driver_executemany(session, table, keys, constants, rows)
        return
    if len(rows) < _MIN_ROWS:
        session.execute(insert(table), rows)
        return
    cols = keys + list(constants)
    payload = jsoncodec.dumps([{**r, **constants} for r in rows], default=_plain, raw_datetimes=True)
    stmt = _json_inserts.get((table.name, tuple(cols)))
    if stmt is None:  # built once per table and column list, as the driver path's plans are
        names = ", ".join(f'"{c}"' for c in cols)
        sql = f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM json_populate_recordset(NULL::"{table.name}", :rows)'  # noqa: E501
        stmt = _json_inserts[(table.name, tuple(cols))] = text(sql)
    session.execute(stmt, {"rows": payload})


_json_inserts: dict[tuple[str, tuple[str, ...]], Any] = {}


_plans: dict[tuple[str, tuple[str, ...]], tuple[str, list[Any]]] = {}


def _driver_executemany(
    session: Session, table: Any, keys: list[str], constants: dict[str, Any], rows: list[dict[str, Any]]
) -> None:
    """SQLite: the driver's executemany with the values each column's type would bind (the same
    JSON text, timestamps and booleans as Core writes), without Core's per-row parameter work,
    which cost more than SQLite's own insert."""
    conn = session.connection()
    cols = keys + list(constants)
    plan = _plans.get((table.name, tuple(cols)))
    if plan is None:
        names = ", ".join(f'"{c}"' for c in cols)
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" for _ in cols)})'
        procs = [_processor(table.c[c].type, conn.dialect) for c in cols]
        plan = _plans[(table.name, tuple(cols))] = (sql, procs)
    sql, procs = plan
    fixed = [constants[c] for c in constants]
    convert = [(i, p) for i, p in enumerate(procs) if p is not None]  # JSON, timestamps, booleans
    params = []
    for r in rows:
        values = [*(r[k] for k in keys), *fixed]
        for i, p in convert:
            values[i] = p(values[i])
        params.append(tuple(values))
    conn.exec_driver_sql(sql, params)


def _processor(type_: Any, dialect: Any) -> Any:
    # dialect_impl: a TypeDecorator (UTCDateTime) converts first, then its implementation type
    return type_.dialect_impl(dialect).bind_processor(dialect)
