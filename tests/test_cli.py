"""The whole job on the built-in sample: load, build, export, and the round trip."""

from __future__ import annotations

import subprocess

import duckdb

from tests.conftest import BIN, ROOT


def test_the_run_succeeds_and_sums_up(sample_run):
    assert sample_run.returncode == 0, sample_run.output
    text = " ".join(sample_run.output.split())
    assert "landed 1196 file(s), 120665 line(s)" in text
    assert "for 20 site(s) and 60 day(s), 2024-05-02 to 2024-06-30" in text
    assert "0 failed" in text
    assert "exported 1196 file(s)" in text


def test_the_marts_hold_a_row_per_site_and_day_of_the_sample(sample_run):
    files = sorted(p.name for p in sample_run.sample_dir.glob("*.csv"))
    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    try:
        rows = con.execute("""
            select site_host || '_' || strftime(visit_date, '%Y-%m-%d') || '.csv', has_traffic
            from marts.fct_site_visits_daily
            order by 1
        """).fetchall()
    finally:
        con.close()
    assert [name for name, _ in rows] == files
    assert sum(1 for _, has_traffic in rows if not has_traffic) == 4


def test_every_exported_file_equals_its_input_byte_for_byte(sample_run):
    inputs = {p.name: p.read_bytes() for p in sample_run.sample_dir.glob("*.csv")}
    exported = {p.name: p.read_bytes() for p in sample_run.export_dir.glob("*.csv")}

    assert exported.keys() == inputs.keys()
    different = [name for name in inputs if inputs[name] != exported[name]]
    assert different == []


def test_a_second_load_of_the_sample_changes_nothing(sample_run, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(sample_run.warehouse.read_bytes())
    env = {"STATGOUV_WAREHOUSE": str(copy), "PATH": str(BIN)}

    again = subprocess.run(
        [str(BIN / "statgouv"), "load", str(sample_run.sample_dir)],
        env=env,
        capture_output=True,
        text=True,
    )

    assert again.returncode == 0, again.stdout + again.stderr
    assert "landed 0 file(s), 0 line(s) (0 replacing earlier files, 1196 unchanged)" in " ".join(
        (again.stdout + again.stderr).split()
    )


def test_the_readme_shows_the_summary_of_the_run(sample_run):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("then ends with a summary:\n\n```\n", 1)[1].split("\n```", 1)[0]
    # The run writes into a folder of the test's own; `make run` into exports/.
    output = sample_run.output.replace(str(sample_run.export_dir), "exports")
    printed = [line for line in output.splitlines() if not line[:4].isdigit()]
    assert printed == shown.splitlines()
