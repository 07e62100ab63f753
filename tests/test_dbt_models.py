"""The dbt project, built on the shared case files.

The raw tables are filled here by a small stand-in for the loader, so these
tests check the models on their own: every case file that a loader accepts
is landed for the same site on a day of its own (the canonical case keeps
its day), ``dbt build`` runs once on a temporary warehouse, and the tests
read the marts and the exports it made.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner, dbtRunnerResult

from ingest import layout
from ingest.warehouse import ensure_raw_schema

REPO_ROOT = Path(__file__).resolve().parents[1]
CASES = Path(os.environ.get("STATGOUV_CASES", REPO_ROOT.parent / "shared" / "cases"))
SITE = "www.exemple.gouv.fr"
CANONICAL_DAY = date(2024, 3, 12)
FIGURES = (
    "visits",
    "visitors",
    "page_views",
    "pages_per_visit",
    "bounce_rate_pct",
    "time_per_visit_seconds",
)


@dataclass(frozen=True)
class Case:
    """One case of EXPECTED.json, and the day it is landed on here."""

    name: str
    path: Path
    expected: dict[str, Any]

    @property
    def day(self) -> date:
        """Case NN lands on the canonical day minus NN - 1 days."""
        return CANONICAL_DAY - timedelta(days=int(self.name[:2]) - 1)

    @property
    def is_refused(self) -> bool:
        return str(self.expected["outcome"]).startswith("refused")


def read_cases(cases: Path = CASES) -> list[Case]:
    entries = json.loads((cases / "EXPECTED.json").read_text(encoding="utf-8"))
    return [Case(entry["case"], cases / entry["file"], entry["expected"]) for entry in entries]


def land_file(
    con: duckdb.DuckDBPyConnection, path: Path, day: date, replace: dict[str, str] | None = None
) -> None:
    """Land one daily file in the raw tables on ``day``, its values as text.

    ``replace`` edits the file's text first, to make a broken case.
    """
    data = path.read_bytes()
    for old, new in (replace or {}).items():
        data = data.replace(old.encode(), new.encode())
    text = data.decode("utf-8-sig")
    skip = 1 if text.lower().startswith("sep=") else 0
    sha256 = hashlib.sha256(data).hexdigest()
    name = layout.file_name(SITE, day)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=layout.DELIMITER))
    lines = rows[skip + 1 :]
    # One transaction, as the loader does: the file's rows share one load time.
    con.execute("begin transaction")
    for number, row in enumerate(lines, start=skip + 2):
        values: list[str | None] = [value if value != "" else None for value in row]
        values[0] = day.isoformat()
        con.execute(
            "insert into raw.audience_lines values "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
            [*values, name, number, sha256],
        )
    con.execute(
        "insert into raw.site_days values (?, ?, ?, ?, ?, current_timestamp)",
        [SITE, day, len(lines), name, sha256],
    )
    con.execute("commit")


def new_warehouse(path: Path, cases: list[Case], replace: dict[str, str] | None = None) -> None:
    con = duckdb.connect(str(path))
    try:
        ensure_raw_schema(con)
        for case in cases:
            land_file(con, case.path, case.day, replace)
    finally:
        con.close()


def dbt_build(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> dbtRunnerResult:
    """Run ``dbt build`` in this process on ``warehouse``, then let go of it.

    dbt-duckdb keeps its DuckDB connection open in a class attribute after
    the run, which holds the file's lock until the process ends: the
    environment is closed by hand so that the test can open the file.
    """
    work = warehouse.parent
    monkeypatch.setenv("STATGOUV_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    args = ["build", "--project-dir", str(REPO_ROOT), "--profiles-dir", str(REPO_ROOT)]
    args += ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    try:
        return dbtRunner().invoke(args)
    finally:
        close_dbt_connections()


def close_dbt_connections() -> None:
    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
        DuckDBConnectionManager.close_all_connections()


def nodes_with_status(result: dbtRunnerResult, *statuses: str) -> set[str]:
    return {run.node.name for run in result.result or [] if str(run.status) in statuses}


def query(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[Case]]]:
    """A warehouse built from every accepted case file."""
    cases = [case for case in read_cases() if not case.is_refused]
    warehouse = tmp_path_factory.mktemp("dbt") / "warehouse.duckdb"
    new_warehouse(warehouse, cases)
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = dbt_build(warehouse, monkeypatch)
    assert result.success, (
        f"dbt build failed: {sorted(nodes_with_status(result, 'fail', 'error'))}"
    )
    yield warehouse, cases


def test_label_seeds_equal_the_layout() -> None:
    for seed, codes in (
        ("source_labels", layout.SOURCE_CODES),
        ("device_labels", layout.DEVICE_CODES),
    ):
        with (REPO_ROOT / "seeds" / f"{seed}.csv").open(encoding="utf-8", newline="") as file:
            rows = list(csv.reader(file))
        assert dict(rows[1:]) == codes, seed
        assert len(rows) - 1 == len(codes), seed


def test_missing_value_tokens_equal_the_layout() -> None:
    macro = (REPO_ROOT / "macros" / "parse_values.sql").read_text(encoding="utf-8")
    found = re.search(r"macro missing_value_tokens\(\).*?return\((\[.*?\])\)", macro, re.S)
    assert found is not None
    assert ast.literal_eval(found.group(1)) == [*layout.MISSING_TOKENS, ""]


def test_marts_hold_the_expected_figures(built: tuple[Path, list[Case]]) -> None:
    warehouse, cases = built
    for case in cases:
        if "visits" not in case.expected:
            continue
        (row,) = query(
            warehouse,
            f"select {', '.join(FIGURES)}, has_traffic from marts.fct_site_visits_daily "
            "where site_host = ? and visit_date = ?",
            [SITE, case.day],
        )
        expected = [case.expected[name] for name in FIGURES]
        actual = [float(value) if isinstance(value, Decimal) else value for value in row[:-1]]
        assert actual == expected, case.name
        assert row[-1] is True, case.name


def test_every_line_is_exported(built: tuple[Path, list[Case]]) -> None:
    warehouse, cases = built
    for case in cases:
        (row,) = query(
            warehouse,
            "select line_count, has_traffic, file_name from exports.published_files "
            "where site_host = ? and visit_date = ?",
            [SITE, case.day],
        )
        assert row[0] == case.expected["lines"], case.name
        assert row[1] is (case.expected["lines"] > 0), case.name
        assert row[2] == layout.file_name(SITE, case.day)


def test_a_header_only_day_has_no_traffic(built: tuple[Path, list[Case]]) -> None:
    warehouse, cases = built
    (case,) = [case for case in cases if case.name == "05-header-only"]
    rows = query(
        warehouse,
        "select has_traffic, visits from marts.fct_site_visits_daily "
        "where site_host = ? and visit_date = ?",
        [SITE, case.day],
    )
    assert rows == [(False, None)]


def test_shares_of_a_day_add_up_to_one(built: tuple[Path, list[Case]]) -> None:
    warehouse, _ = built
    for mart in ("fct_device_visits_daily", "fct_source_visits_daily"):
        (share,) = query(
            warehouse,
            f"select sum(visit_share) from marts.{mart} where visit_date = ?",
            [CANONICAL_DAY],
        )[0]
        assert share == pytest.approx(1.0), mart
    rows = query(
        warehouse,
        "select source, source_label, visits from marts.fct_source_visits_daily "
        "where visit_date = ? order by visits desc",
        [CANONICAL_DAY],
    )
    assert rows == [
        ("search", "Moteurs de recherche", 801),
        ("direct", "Accès direct", 433),
        ("referral", "Sites référents", 286),
    ]


def test_labels_keep_their_text(built: tuple[Path, list[Case]]) -> None:
    warehouse, cases = built
    by_name = {case.name: case for case in cases}
    newline_case = by_name["07-quoted-newline-in-label"]
    (page,) = query(
        warehouse,
        "select page from marts.fct_top_pages_daily where visit_date = ? and page_rank = 3",
        [newline_case.day],
    )[0]
    assert page == newline_case.expected["page_3_label"]

    formula_day = by_name["08-formula-in-label"].day
    (referrer,) = query(
        warehouse,
        "select referrer_url from marts.fct_top_referrers_daily "
        "where visit_date = ? and referrer_rank = 2",
        [formula_day],
    )[0]
    assert referrer == '=HYPERLINK("http://x.invalid")'
    (libelle,) = query(
        warehouse,
        "select libelle from exports.published_lines where visit_date = ? and line_number = 6",
        [formula_day],
    )[0]
    assert libelle == "'" + referrer


def test_dim_sites_spans_the_loaded_days(built: tuple[Path, list[Case]]) -> None:
    warehouse, cases = built
    rows = query(
        warehouse,
        "select publisher, first_date, last_date from marts.dim_sites where site_host = ?",
        [SITE],
    )
    assert rows == [("statgouv", min(c.day for c in cases), max(c.day for c in cases))]
    registry = REPO_ROOT / "seeds" / "sites.csv"
    if registry.exists():
        with registry.open(encoding="utf-8", newline="") as file:
            first = next(csv.DictReader(file))
        rows = query(
            warehouse,
            "select site_name, ministry, first_date from marts.dim_sites where site_host = ?",
            [first["site_host"]],
        )
        assert rows == [(first["site_name"], first["ministry"], None)]


def test_a_canonical_file_comes_back_byte_for_byte(built: tuple[Path, list[Case]]) -> None:
    warehouse, cases = built
    (case,) = [case for case in cases if case.name == "01-canonical"]
    assert case.day == CANONICAL_DAY
    names = query(
        warehouse,
        "select column_name from information_schema.columns "
        "where table_schema = 'exports' and table_name = 'published_lines' "
        "order by ordinal_position",
    )
    assert [name for (name,) in names] == [
        "site_host",
        "visit_date",
        "line_number",
        *layout.COLUMN_NAMES,
        "loaded_at",
    ]
    columns = ", ".join(layout.COLUMN_NAMES)
    rows = query(
        warehouse,
        f"select {columns} from exports.published_lines "
        "where site_host = ? and visit_date = ? order by line_number",
        [SITE, case.day],
    )
    assert layout.render(rows).encode(layout.ENCODING) == case.path.read_bytes()


def test_a_broken_rule_fails_the_build_naming_site_day_and_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (canonical,) = [case for case in read_cases() if case.name == "01-canonical"]
    warehouse = tmp_path / "warehouse.duckdb"
    new_warehouse(
        warehouse, [canonical], replace={"Moteurs de recherche;801": "Moteurs de recherche;800"}
    )

    result = dbt_build(warehouse, monkeypatch)

    assert not result.success
    assert nodes_with_status(result, "fail", "error") == {"sources_sum_to_total"}
    # Every mart is still built, so the failing rows can be looked at; what is
    # made from the mart the test guards (the exports, the roll-ups) waits.
    built = nodes_with_status(result, "success")
    assert {"fct_site_visits_daily", "fct_source_visits_daily", "fct_top_pages_daily"} <= built
    skipped = nodes_with_status(result, "skipped")
    assert {"published_lines", "published_files"} <= skipped
    rows = query(
        warehouse,
        "select site_host, visit_date, rule, total_visits, summed_visits "
        "from audit.sources_sum_to_total",
    )
    assert rows == [(SITE, CANONICAL_DAY, "sources_sum_to_total", 1520, 1519)]


def test_sql_passes_sqlfluff() -> None:
    sqlfluff = Path(sys.executable).with_name("sqlfluff")
    result = subprocess.run(
        [str(sqlfluff), "lint", "models", "macros", "tests/dbt", "--templater", "jinja"]
        + ["--disable-progress-bar", "--nocolor"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
