"""A load is all or nothing per file, even when killed, and one writer at a time."""

from __future__ import annotations

import signal
import subprocess
import time

import duckdb

from tests.conftest import BIN, TEMPLATE, write_daily_files


def start_load(folder, env, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "statgouv"), "load", str(folder)],
        env={**env, **extra},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(process: subprocess.Popen, text: str) -> list[str]:
    seen = []
    for line in process.stdout:
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"the process ended without printing {text!r}: {''.join(seen)}")


def whole_files_only(warehouse) -> tuple[int, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        partial = con.execute("""
            select count(*)
            from raw.site_days as d
            left join raw.audience_lines as l
                on l.site = d.site_host and l."date" = strftime(d.visit_date, '%Y-%m-%d')
            group by d.site_host, d.visit_date, d.line_count
            having count(l.site) <> d.line_count
        """).fetchall()
        assert partial == [], "a site-day holds part of its file"
        days = con.execute("select count(*) from raw.site_days").fetchone()[0]
        lines = con.execute("select count(*) from raw.audience_lines").fetchone()[0]
        assert lines == days * len(TEMPLATE)
        return days, lines
    finally:
        con.close()


def test_a_killed_load_leaves_whole_files_and_a_rerun_completes(tmp_path, cli_env):
    folder = tmp_path / "files"
    write_daily_files(folder, sites=30, days=20)
    process = start_load(folder, cli_env, STATGOUV_CHUNK_FILES="60")

    wait_for(process, "committed chunk 2 of 10")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    warehouse = cli_env["STATGOUV_WAREHOUSE"]
    days, _ = whole_files_only(warehouse)
    assert 120 <= days < 600, "the kill should land between the second chunk and the end"

    rerun = subprocess.run(
        [str(BIN / "statgouv"), "load", str(folder)], env=cli_env, capture_output=True, text=True
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert whole_files_only(warehouse) == (600, 600 * len(TEMPLATE))


def test_a_second_run_waits_then_stops_with_a_clear_message(tmp_path, cli_env):
    folder = tmp_path / "files"
    write_daily_files(folder, sites=10, days=15)
    # One file a transaction: the first run lasts seconds, well past the second's start.
    first = start_load(folder, cli_env, STATGOUV_CHUNK_FILES="1")
    wait_for(first, "committed chunk 1 of")

    started = time.monotonic()
    second = subprocess.run(
        [str(BIN / "statgouv"), "load", str(folder)],
        env={**cli_env, "STATGOUV_LOCK_WAIT": "1"},
        capture_output=True,
        text=True,
    )
    waited = time.monotonic() - started

    assert second.returncode == 3
    message = " ".join((second.stdout + second.stderr).split())
    assert "is in use by another statgouv run; waited 1 s" in message
    assert "Nothing was changed" in message
    assert waited >= 1.0
    first.stdout.read()
    assert first.wait(timeout=120) == 0
    assert whole_files_only(cli_env["STATGOUV_WAREHOUSE"]) == (150, 150 * len(TEMPLATE))
