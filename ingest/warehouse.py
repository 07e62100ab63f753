"""The DuckDB warehouse file: where it is, who may write it, its raw schema."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from ingest import settings

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WAREHOUSE = "warehouse.duckdb"
DEFAULT_LOCK_WAIT_SECONDS = 60.0


class WarehouseBusy(Exception):
    """Another statgouv process holds the warehouse for longer than we wait."""


def warehouse_path() -> Path:
    """The warehouse file, from ``STATGOUV_WAREHOUSE``, made absolute."""
    return Path(os.environ.get("STATGOUV_WAREHOUSE", DEFAULT_WAREHOUSE)).resolve()


def lock_wait_seconds() -> float:
    """How long a run waits for another one, from ``STATGOUV_LOCK_WAIT``."""
    return settings.seconds_setting("STATGOUV_LOCK_WAIT", DEFAULT_LOCK_WAIT_SECONDS)


@contextmanager
def exclusive(path: Path, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the warehouse for one writer; wait a bounded time for another one."""
    wait = lock_wait_seconds() if wait_seconds is None else wait_seconds
    lock = FileLock(str(path) + ".lock")
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise WarehouseBusy(
            f"{path} is in use by another statgouv run; waited {wait:g} s for it to finish "
            "(set STATGOUV_LOCK_WAIT to wait longer). Nothing was changed."
        ) from None
    try:
        yield
    finally:
        lock.release()


DEFAULT_MEMORY_LIMIT = "3GB"


def memory_limit() -> str:
    """How much memory DuckDB may hold before it spills to disk (``STATGOUV_MEMORY_LIMIT``)."""
    return settings.memory_size_setting("STATGOUV_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only, config={"memory_limit": memory_limit()})


RAW_DDL = """
create schema if not exists raw;

create table if not exists raw.file_ledger (
    file_path varchar not null,
    file_name varchar not null,
    file_sha256 varchar not null,
    file_size_bytes bigint not null,
    input_format varchar not null,
    status varchar not null,
    error_line integer,
    error_message varchar,
    site_host varchar,
    first_date date,
    last_date date,
    line_count integer,
    seen_at timestamp with time zone not null
);

create table if not exists raw.site_days (
    site_host varchar not null,
    visit_date date not null,
    line_count integer not null,
    source_file varchar not null,
    file_sha256 varchar not null,
    loaded_at timestamp with time zone not null,
    primary key (site_host, visit_date)
);

-- Each dbt build the jobs ran, and whether every test of severity error
-- passed: a daily build tests the rows loaded since the last build that did.
create table if not exists raw.dbt_builds (
    started_at timestamp with time zone not null,
    finished_at timestamp with time zone not null,
    tested_since timestamp with time zone,
    passed boolean not null
);

create table if not exists raw.audience_lines (
    "date" varchar,
    site varchar,
    ligne varchar,
    rang varchar,
    libelle varchar,
    visites varchar,
    visiteurs varchar,
    pages_vues varchar,
    pages_par_visite varchar,
    taux_rebond varchar,
    temps_par_visite varchar,
    source_file varchar not null,
    source_line integer not null,
    file_sha256 varchar not null,
    loaded_at timestamp with time zone not null
);
"""


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_DDL)
