"""Run the dbt project on the warehouse, in this process, and say what happened."""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from ingest.warehouse import PROJECT_ROOT

log = logging.getLogger(__name__)

FAILURE_ROWS_SHOWN = 20


@dataclass(frozen=True)
class TestProblem:
    """A dbt test that warned or failed, with the rows that broke it."""

    name: str
    severity: str  # "error" or "warn"
    failures: int
    message: str
    relation: str | None = None  # where dbt stored the failing rows, if it did
    rows: list[dict[str, object]] = field(default_factory=list)


@dataclass
class BuildSummary:
    ok: bool = True
    models: int = 0
    seeds: int = 0
    tests_passed: int = 0
    tests_warned: int = 0
    tests_failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    problems: list[TestProblem] = field(default_factory=list)


def build(warehouse: Path, full_refresh: bool = False, scoped: bool = False) -> BuildSummary:
    """``dbt build``, recorded in ``raw.dbt_builds``.

    Scoped, the data tests look only at what was loaded since the last build
    whose tests all passed (macros/test_scope.sql), so that a daily build
    costs what the day costs; a build that fails leaves those rows to be
    tested again by the next one. A scoped build leaves out dbt's unit tests
    too: they test the SQL, not the day's data, and `statgouv build` and the
    test suite run them. Unscoped, every row is tested.
    """
    args = ["build", *(["--full-refresh"] if full_refresh else [])]
    if scoped:
        args += ["--exclude", "resource_type:unit_test"]
    scope: dict[str, str] = {}
    con = connect_warehouse(warehouse)
    try:
        (started_at,) = con.execute("select current_timestamp").fetchone()  # type: ignore[misc]
        since = _last_passed_build(con) if scoped else None
        if since is not None:
            first_day = _first_day_loaded_since(con, since)
            # No day loaded since: the roll-ups have no period to test again.
            scope = {"since": str(since), "from": str(first_day or "9999-12-31")}
            if first_day is None:
                log.info(
                    "nothing loaded since the last build that passed (%s):"
                    " the data tests have no new rows to look at",
                    since,
                )
            else:
                log.info("testing the rows loaded since %s, days from %s", since, first_day)
    finally:
        con.close()

    with _test_scope(scope):
        summary = run_dbt(warehouse, args)

    con = connect_warehouse(warehouse)
    try:
        con.execute(
            "insert into raw.dbt_builds values (?, current_timestamp, ?, ?)",
            [started_at, since, summary.ok],
        )
    finally:
        con.close()
    return summary


@contextmanager
def _test_scope(scope: dict[str, str]) -> Iterator[None]:
    """The scope of the tests, for macros/test_scope.sql, in the environment of one build."""
    names = {"since": "STATGOUV_TESTED_SINCE", "from": "STATGOUV_TESTED_FROM"}
    saved = {name: os.environ.pop(name, None) for name in names.values()}
    os.environ.update({names[key]: value for key, value in scope.items()})
    try:
        yield
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value


def connect_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    from ingest import warehouse

    con = warehouse.connect(path)
    warehouse.ensure_raw_schema(con)
    return con


def _last_passed_build(con: duckdb.DuckDBPyConnection) -> datetime | None:
    (since,) = con.execute(  # type: ignore[misc]
        "select max(started_at) from raw.dbt_builds where passed"
    ).fetchone()
    return since


def _first_day_loaded_since(con: duckdb.DuckDBPyConnection, since: datetime) -> date | None:
    """The earliest day of any publisher whose rows were loaded after ``since``."""
    tables = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    }
    selects = ["select visit_date as day, loaded_at from raw.site_days"]
    for table in ("dap_daily_visits", "dap_device_visits"):
        if table in tables:
            selects.append(f'select cast("date" as date), loaded_at from raw.{table}')
    (first,) = con.execute(  # type: ignore[misc]
        f"select min(day) from ({' union all '.join(selects)}) where loaded_at > ?", [since]
    ).fetchone()
    return first


def run_dbt(warehouse: Path, args: list[str]) -> BuildSummary:
    """Run one dbt command (``build``, ``seed``…) on ``warehouse`` and summarise it."""
    dbt_log = Path(os.environ.get("DBT_LOG_PATH", PROJECT_ROOT / "logs")) / "dbt.log"
    log.info("running dbt %s (its log: %s; -v shows it here)", args[0], dbt_log)
    from dbt.cli.main import dbtRunner

    os.environ["STATGOUV_WAREHOUSE"] = str(warehouse)
    colours = [] if sys.stdout.isatty() else ["--no-use-colors"]
    # dbt's own log of every node goes to logs/dbt.log; on the screen, unless
    # asked for (-v), only its errors: the summary names what failed.
    quiet = [] if log.isEnabledFor(logging.DEBUG) else ["--quiet"]
    command = [
        *colours,
        *quiet,
        *args,
        "--project-dir",
        str(PROJECT_ROOT),
        "--profiles-dir",
        str(PROJECT_ROOT),
    ]
    log.debug("dbt %s", " ".join(command))
    try:
        result = dbtRunner().invoke(command)
    finally:
        _release_warehouse()

    summary = BuildSummary(ok=result.success)
    if result.exception is not None:
        summary.errors.append(str(result.exception))
    for node_result in getattr(result.result, "results", None) or []:
        _count(summary, node_result)
    _read_failures(warehouse, summary)
    return summary


def _count(summary: BuildSummary, node_result: object) -> None:
    node = node_result.node  # type: ignore[attr-defined]
    status = str(node_result.status)  # type: ignore[attr-defined]
    kind = str(node.resource_type)
    if status == "skipped":
        # dbt skips what depends on a node that failed; the failure itself is reported.
        summary.skipped += 1
        return
    if kind in {"test", "unit_test"}:
        if status == "pass":
            summary.tests_passed += 1
        elif status == "warn":
            summary.tests_warned += 1
            summary.problems.append(_problem(node_result, "warn"))
        else:
            summary.tests_failed += 1
            summary.problems.append(_problem(node_result, "error"))
    elif kind == "model":
        if status == "success":
            summary.models += 1
        else:
            summary.errors.append(f"model {node.name}: {node_result.message}")  # type: ignore[attr-defined]
    elif kind == "seed":
        summary.seeds += 1


def _problem(node_result: object, severity: str) -> TestProblem:
    node = node_result.node  # type: ignore[attr-defined]
    return TestProblem(
        name=node.name,
        severity=severity,
        failures=int(getattr(node_result, "failures", 0) or 0),
        message=str(getattr(node_result, "message", "") or ""),
        relation=getattr(node, "relation_name", None) or None,
    )


def _read_failures(warehouse: Path, summary: BuildSummary) -> None:
    """Fetch the stored rows of each failing test, which name the site, day and rule."""
    wanted = [p for p in summary.problems if p.relation]
    if not wanted:
        return
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for problem in wanted:
            relation = problem.relation
            try:
                columns = [
                    d[0] for d in con.execute(f"select * from {relation} limit 0").description
                ]
                # A stored table keeps no order: the largest gaps first, as the tests
                # list them, then by site and day.
                first = ["abs(gap_pct) desc nulls first"] if "gap_pct" in columns else []
                order = ", ".join([*first, *(f'"{name}"' for name in columns)])
                cursor = con.execute(
                    f"select * from {relation} order by {order} limit {FAILURE_ROWS_SHOWN}"
                )
            except duckdb.Error as error:
                log.debug("no stored failures for %s: %s", problem.name, error)
                continue
            names = [d[0] for d in cursor.description]
            problem.rows.extend(dict(zip(names, row, strict=True)) for row in cursor.fetchall())
    finally:
        con.close()


def _release_warehouse() -> None:
    """dbt-duckdb keeps its database open in-process; close it so others can open the file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None and getattr(environment, "conn", None) is not None:
        environment.conn.close()
        environment.conn = None
    DuckDBConnectionManager.close_all_connections()
    gc.collect()
