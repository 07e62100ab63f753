"""The roll-ups of the daily marts, on the built-in sample built once for the session.

Each roll-up must agree with the daily marts it reads: the visits it sums
are the daily visits, and its weighted rates are the ones a reader would
compute by hand. Visitors, counted once per site and day, must never be
summed under a name that hides it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.dbt_artifacts import generate_docs

ROOT = Path(__file__).resolve().parents[1]
ROLLUPS = ROOT / "models" / "marts" / "rollups"

# Each roll-up of visits, the columns that name one of its rows, and how a
# daily row of fct_site_visits_daily (joined with dim_sites) finds its row.
VISIT_ROLLUPS = {
    "agg_site_visits_weekly": ("site_host", "date_trunc('week', d.visit_date)"),
    "agg_site_visits_monthly": ("site_host", "date_trunc('month', d.visit_date)"),
    "agg_ministry_visits_daily": ("publisher, ministry", "d.visit_date"),
    "agg_ministry_visits_weekly": ("publisher, ministry", "date_trunc('week', d.visit_date)"),
    "agg_ministry_visits_monthly": ("publisher, ministry", "date_trunc('month', d.visit_date)"),
    "agg_government_visits_daily": ("publisher", "d.visit_date"),
    "agg_government_visits_weekly": ("publisher", "date_trunc('week', d.visit_date)"),
    "agg_government_visits_monthly": ("publisher", "date_trunc('month', d.visit_date)"),
}

# The name a sum of visitors may carry: it says what the figure is.
HONEST_VISITOR_NAME = "sum_of_daily_visitors"

# What follows a sum up to its alias: a window, or the cast that wraps it.
SUM_ALIAS = r"(?:\s*over\s+\w+)?(?:\s*as\s+\w+\s*\))?\s*as\s+(\w+)"


@pytest.fixture(scope="module")
def warehouse(sample_run) -> Iterator[duckdb.DuckDBPyConnection]:
    assert sample_run.returncode == 0, sample_run.output
    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    yield con
    con.close()


def _period_column(model: str) -> str:
    return "visit_date" if model.endswith("_daily") else "period_start_date"


@pytest.mark.parametrize("model", sorted(VISIT_ROLLUPS))
def test_a_rollup_sums_the_daily_visits_of_each_of_its_rows(warehouse, model):
    keys, period = VISIT_ROLLUPS[model]
    key_list = [key.strip() for key in keys.split(",")]
    daily_keys = ", ".join(("s." if key == "ministry" else "d.") + key for key in key_list)
    joined = " and ".join(f"r.{key} is not distinct from daily.{key}" for key in key_list)
    differences = warehouse.execute(
        f"""
        with daily as (
            select {daily_keys}, cast({period} as date) as period, sum(d.visits) as visits
            from marts.fct_site_visits_daily as d
            join marts.dim_sites as s using (site_host)
            group by all
        )
        select daily.*, r.visits as rollup_visits
        from daily
        full join marts.{model} as r
            on {joined} and r.{_period_column(model)} = daily.period
        where r.visits is distinct from daily.visits
            and not (daily.visits is null and r.visits is null)
        """
    ).fetchall()
    # A period that a history touches without a loaded day has a row with no
    # visits, and no daily row: those are the only rows allowed to differ.
    assert [row for row in differences if row[-2] is not None] == []

    total_daily = warehouse.execute(
        "select sum(visits) from marts.fct_site_visits_daily"
    ).fetchone()[0]
    total_rollup = warehouse.execute(f"select sum(visits) from marts.{model}").fetchone()[0]
    assert total_rollup == total_daily


def test_the_rolling_windows_sum_the_visits_of_their_days(warehouse):
    site_host, end = warehouse.execute(
        "select site_host, max(visit_date) from marts.fct_site_visits_daily "
        "group by site_host order by site_host limit 1"
    ).fetchone()
    for days in (7, 30, 90):
        expected = warehouse.execute(
            "select sum(visits), count(*) from marts.fct_site_visits_daily "
            "where site_host = ? and visit_date between ? and ?",
            [site_host, end - timedelta(days=days - 1), end],
        ).fetchone()
        got = warehouse.execute(
            "select visits, days_with_traffic + days_without_traffic, days_missing "
            "from marts.agg_site_visits_rolling "
            "where site_host = ? and window_end_date = ? and window_days = ?",
            [site_host, end, days],
        ).fetchone()
        assert got is not None, (site_host, end, days)
        assert got[0] == expected[0]
        assert got[1] == expected[1]
        assert got[2] == days - expected[1]


def test_the_weekly_bounce_rate_is_the_one_weighted_by_visits_by_hand(warehouse):
    daily = warehouse.execute(
        "select d.site_host, d.visit_date, d.visits, d.bounce_rate_pct, s.ministry "
        "from marts.fct_site_visits_daily as d join marts.dim_sites as s using (site_host) "
        "where d.publisher = 'statgouv'"
    ).fetchall()
    weighted: dict[tuple[str, date], float] = defaultdict(float)
    weights: dict[tuple[str, date], int] = defaultdict(int)
    plain: dict[tuple[str, date], list[float]] = defaultdict(list)
    for _site, day, visits, bounce_rate, ministry in daily:
        if visits is None or bounce_rate is None:
            continue
        key = (ministry, day - timedelta(days=day.weekday()))
        weighted[key] += float(bounce_rate) * visits
        weights[key] += visits
        plain[key].append(float(bounce_rate))

    rows = warehouse.execute(
        "select ministry, period_start_date, bounce_rate_pct, visits_with_bounce_rate "
        "from marts.agg_ministry_visits_weekly where publisher = 'statgouv'"
    ).fetchall()
    by_key = {(ministry, start): (rate, weight) for ministry, start, rate, weight in rows}
    assert weights, "the sample has no bounce rate to weigh"
    differs_from_plain_mean = 0
    for key, weight in weights.items():
        rate, rollup_weight = by_key[key]
        by_hand = weighted[key] / weight
        assert rollup_weight == weight, key
        assert rate == pytest.approx(by_hand, rel=1e-9), key
        plain_mean = sum(plain[key]) / len(plain[key])
        differs_from_plain_mean += abs(plain_mean - by_hand) > 1e-6
    # The sample's days differ enough for the weighting to matter.
    assert differs_from_plain_mean > 0


def test_a_rate_ignores_the_days_without_it(warehouse):
    """Days without a bounce rate (as the US sites' are) weigh nothing."""
    rows = warehouse.execute(
        "select count(*) filter (where visits_with_bounce_rate > visits), "
        "count(*) filter (where bounce_rate_pct is not null and visits_with_bounce_rate = 0) "
        "from marts.agg_site_visits_monthly"
    ).fetchone()
    assert rows == (0, 0)


def _rollup_models(sample_run) -> list[dict]:
    docs = generate_docs(sample_run.warehouse)
    assert docs.returncode == 0, docs.output
    models = [
        node
        for node in docs.manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["original_file_path"].startswith("models/marts/rollups/")
    ]
    assert len(models) == len(list(ROLLUPS.glob("*.sql")))
    return models


def test_no_rollup_column_is_named_as_a_count_of_visitors(sample_run):
    for model in _rollup_models(sample_run):
        for name, column in model["columns"].items():
            if "visitor" not in name:
                continue
            assert name == HONEST_VISITOR_NAME, (model["name"], name)
            assert "not a count of people" in column["description"].lower(), (model["name"], name)


def _sql_without_comments(path: Path) -> str:
    text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
    return " ".join(text.lower().split())


def test_a_sum_of_visitors_is_always_named_for_what_it_is():
    """Every sum over a visitors column is aliased ``sum_of_daily_visitors``."""
    found = 0
    for path in sorted(ROLLUPS.glob("*.sql")):
        sql = _sql_without_comments(path)
        for match in re.finditer(r"sum\(\s*(?:\w+\.)?\w*visitors\s*\)", sql):
            found += 1
            alias = re.match(SUM_ALIAS, sql[match.end() :])
            assert alias is not None, (path.name, sql[match.start() : match.end() + 40])
            assert alias.group(1) == HONEST_VISITOR_NAME, (path.name, alias.group(0))
        aliases = set(re.findall(r"\bas\s+(\w*visitors)\b", sql))
        assert aliases <= {HONEST_VISITOR_NAME}, (path.name, aliases)
    assert found > 0


def test_the_rollup_tables_have_no_visitors_column(warehouse):
    names = warehouse.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name like 'agg_%' "
        "and column_name like '%visitor%'"
    ).fetchall()
    assert names, "the roll-ups should carry the sum of the daily visitors"
    assert {column for _, column in names} == {HONEST_VISITOR_NAME}
