"""The US DAP snapshot through the whole job, checked against its CSV files read apart.

The snapshot is real data kept outside the repository; ``STATGOUV_DAP_SNAPSHOT``
points at it (by default ``../shared/real/dap`` beside the repository). The job
runs once for the module; every test reads what it left.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingest import layout
from tests.conftest import BIN, ROOT

SNAPSHOT = Path(os.environ.get("STATGOUV_DAP_SNAPSHOT", ROOT.parent / "shared" / "real" / "dap"))
# How the DAP's device categories map to the layout's device codes.
DEVICE_CODES = {
    "desktop": "desktop",
    "mobile": "smartphone",
    "tablet": "tablet",
    "smart tv": "other",
    "(other)": "other",
}
WARN_TOLERANCE_PCT = 2  # devices_near_total, models/marts/_marts__models.yml

pytestmark = pytest.mark.skipif(
    not (SNAPSHOT / "live" / "users.csv").is_file(),
    reason=f"no DAP snapshot at {SNAPSHOT} (set STATGOUV_DAP_SNAPSHOT to its folder)",
)


@dataclass(frozen=True)
class DapRun:
    """One ``statgouv run --format dap`` of the snapshot."""

    warehouse: Path
    export_dir: Path
    returncode: int
    output: str

    @property
    def text(self) -> str:
        """The output with its line wrapping undone."""
        return " ".join(self.output.split())

    def query(self, sql: str, parameters: list[object] | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, parameters or []).fetchall()
        finally:
            con.close()


def _agencies() -> list[Path]:
    return sorted(p for p in SNAPSHOT.iterdir() if (p / "users.csv").is_file())


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def _users(agency: Path) -> dict[date, int]:
    return {date.fromisoformat(r["date"]): int(r["visits"]) for r in _rows(agency / "users.csv")}


def _devices(agency: Path) -> dict[tuple[date, str], int]:
    """Visits per day and device code, the DAP's categories mapped and summed."""
    visits: dict[tuple[date, str], int] = defaultdict(int)
    for row in _rows(agency / "devices.csv"):
        visits[date.fromisoformat(row["date"]), DEVICE_CODES[row["device"]]] += int(row["visits"])
    return dict(visits)


@pytest.fixture(scope="module")
def dap_run(tmp_path_factory: pytest.TempPathFactory) -> DapRun:
    work = tmp_path_factory.mktemp("dap-run")
    env = {
        **os.environ,
        "STATGOUV_WAREHOUSE": str(work / "warehouse.duckdb"),
        "COLUMNS": "200",
    }
    env.setdefault("DBT_TARGET_PATH", str(work / "target"))
    env.setdefault("DBT_LOG_PATH", str(work / "logs"))
    done = subprocess.run(
        [
            str(BIN / "statgouv"),
            "run",
            "--format",
            "dap",
            "--input",
            str(SNAPSHOT),
            "--out",
            str(work / "exports"),
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=work,
    )
    return DapRun(
        work / "warehouse.duckdb", work / "exports", done.returncode, done.stdout + done.stderr
    )


def test_the_run_succeeds_and_every_visit_and_device_is_in_the_marts(dap_run: DapRun) -> None:
    assert dap_run.returncode == 0, dap_run.output
    agencies = _agencies()
    assert f"for {len(agencies)} site(s)" in dap_run.text
    assert "built" in dap_run.text and "exported" in dap_run.text

    for agency in agencies:
        users = _users(agency)
        rows = dap_run.query(
            "select visit_date, visits, visitors, page_views, bounce_rate_pct"
            " from marts.fct_site_visits_daily where site_host = ? and publisher = 'dap'",
            [agency.name],
        )
        assert {day: visits for day, visits, *_ in rows} == users, agency.name
        assert sum(visits for _, visits, *_ in rows) == sum(users.values()), agency.name
        assert {
            tuple(rest)
            for *_, visitors, views, bounce in rows
            for rest in [(visitors, views, bounce)]
        } == {(None, None, None)}

        devices = dap_run.query(
            "select visit_date, device, sum(visits) from marts.fct_device_visits_daily"
            " where site_host = ? group by all",
            [agency.name],
        )
        assert {(day, code): visits for day, code, visits in devices} == _devices(agency), (
            agency.name
        )

    sites = dap_run.query("select site_host from marts.dim_sites where publisher = 'dap'")
    assert sorted(site for (site,) in sites) == [agency.name for agency in agencies]


def test_the_30_day_models_hold_every_row_as_published(dap_run: DapRun) -> None:
    for agency in _agencies():
        pages = dap_run.query(
            "select page_domain, page, page_title, page_views, visits, active_visitors"
            " from marts.fct_top_pages_30_days where site_host = ? order by page_rank",
            [agency.name],
        )
        expected_pages = [
            (
                r["domain"],
                r["page"],
                r["page_title"],
                int(r["pageviews"]),
                int(r["visits"]),
                int(r["active_visitors"]),
            )
            for r in _rows(agency / "top-pages-30-days.csv")
        ]
        assert pages == expected_pages, agency.name

        sources = dap_run.query(
            "select session_source, channel_label, visits, page_views, visitors"
            " from marts.fct_top_sources_30_days where site_host = ? order by source_rank",
            [agency.name],
        )
        expected_sources = [
            (
                r["source"],
                r["session_default_channel_group"],
                int(r["visits"]),
                int(r["pageviews"]),
                int(r["users"]),
            )
            for r in _rows(agency / "top-traffic-sources-30-days.csv")
        ]
        assert sources == expected_sources, agency.name

    titles = [
        title for (title,) in dap_run.query("select page_title from marts.fct_top_pages_30_days")
    ]
    # The snapshot's titles hold registered signs and commas, quoted in the files.
    assert any("®" in title for title in titles)
    assert any("," in title for title in titles)


def test_the_output_names_the_site_days_whose_devices_stray_from_the_visits(
    dap_run: DapRun,
) -> None:
    gaps: list[tuple[float, str, date, int, int, int]] = []
    for agency in _agencies():
        users = _users(agency)
        parts: dict[date, int] = defaultdict(int)
        for (day, _), visits in _devices(agency).items():
            parts[day] += visits
        for day, summed in parts.items():
            gap = summed - users[day]
            if abs(gap) * 100 > WARN_TOLERANCE_PCT * users[day]:
                gaps.append((abs(gap) / users[day], agency.name, day, users[day], summed, gap))
    _, site, day, visits, summed, gap = max(gaps)

    assert f"warn devices_near_total: {len(gaps)} row(s)" in dap_run.text
    shown = 20  # the first rows, largest gap first; the rest are in the audit table
    assert f"... and {len(gaps) - shown} more, all in audit.devices_near_total" in dap_run.text
    assert (
        f"site_host={site}, visit_date={day}, rule=devices_near_total,"
        f" visits={visits}, device_visits={summed}, gap={gap}"
    ) in dap_run.text
    assert "error devices_within_ten_pct_of_total" not in dap_run.text


def test_each_agency_day_is_exported_with_its_visits(dap_run: DapRun) -> None:
    for agency in _agencies():
        devices = _devices(agency)
        for day, visits in _users(agency).items():
            path = dap_run.export_dir / layout.file_name(agency.name, day)
            with path.open(encoding=layout.ENCODING, newline="") as file:
                lines = list(csv.DictReader(file, delimiter=layout.DELIMITER))
            (total,) = [line for line in lines if line["ligne"] == "total"]
            assert int(total["visites"]) == visits, path.name
            assert total["visiteurs"] == total["pages_vues"] == total["taux_rebond"] == ""
            exported = {
                layout.DEVICE_CODES[line["libelle"]]: int(line["visites"])
                for line in lines
                if line["ligne"] == "appareil"
            }
            expected = {code: n for (d, code), n in devices.items() if d == day}
            assert exported == expected, path.name


def test_a_malformed_file_is_refused_whole(tmp_path: Path) -> None:
    agency = tmp_path / "input" / "labor"
    shutil.copytree(SNAPSHOT / "labor", agency)
    users = agency / "users.csv"
    lines = users.read_text(encoding="utf-8").splitlines(keepends=True)
    day = lines[4].split(",")[0]
    lines[4] = f"{day},12x4\n"
    users.write_text("".join(lines), encoding="utf-8")
    env = {
        **os.environ,
        "STATGOUV_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "COLUMNS": "200",
    }

    done = subprocess.run(
        [str(BIN / "statgouv"), "load", "--format", "dap", str(agency)],
        env=env,
        capture_output=True,
        text=True,
    )

    text = " ".join((done.stdout + done.stderr).split())
    assert done.returncode != 0, text
    assert f"{users.resolve()}, line 5: column visits: 12x4 is not a count" in text
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from raw.dap_daily_visits").fetchone() == (0,)
        assert con.execute(
            "select status, error_line from raw.file_ledger where file_name = 'users.csv'"
        ).fetchall() == [("refused", 5)]
    finally:
        con.close()
