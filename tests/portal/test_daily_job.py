"""The daily job against the real udata: fetch, load, build, export and publish."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import requests
from portal_helpers import Udata, daily_text, ensure_udata_venv, make_portal, start_udata

from ingest import job, layout
from tests.conftest import BIN

ALPHA, BETA = "www.alpha.gouv.fr", "www.beta.gouv.fr"
DAY1, DAY2, DAY3 = date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)


def variant(text: str) -> str:
    """The same file as a spreadsheet saves it: BOM and CRLF, which the reader accepts."""
    return "\ufeff" + text.replace("\n", "\r\n")


def broken(site: str, day: date) -> str:
    """A file whose sources do not add up to the total: data, but a failing dbt test."""
    return variant(
        daily_text(site, day, 40).replace(";Moteurs de recherche;40;", ";Moteurs de recherche;39;")
    )


@pytest.fixture(scope="module")
def udata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Udata]:
    python, why = ensure_udata_venv()
    if python is None:
        pytest.skip(f"the real udata cannot be installed here: {why}")
    seed = {
        "organisation": "Service des statistiques",
        "sites": [
            {
                "title": ALPHA,
                "files": {
                    layout.file_name(ALPHA, DAY1): daily_text(ALPHA, DAY1, 11),
                    layout.file_name(ALPHA, DAY2): daily_text(ALPHA, DAY2, 12),
                },
            },
            {
                "title": f"Audience de {BETA}",
                "files": {
                    layout.file_name(BETA, DAY1): daily_text(BETA, DAY1, 21),
                    layout.file_name(BETA, DAY2): variant(daily_text(BETA, DAY2, 22)),
                },
            },
        ],
    }
    process, server = start_udata(python, tmp_path_factory.mktemp("udata-daily"), seed)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("daily-job")


def run_daily(udata: Udata, work: Path, day: date) -> subprocess.CompletedProcess:
    env = {
        "PATH": str(BIN),
        "STATGOUV_WAREHOUSE": str(work / "warehouse.duckdb"),
        "STATGOUV_PORTAL_URL": udata.url,
        "STATGOUV_ORGANISATION": udata.organisation,
        "STATGOUV_API_KEY": udata.api_key,
        "STATGOUV_PORTAL_TIMEOUT": "5",
    }
    return subprocess.run(
        [str(BIN / "statgouv"), "run", "--date", day.isoformat()],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
    )


def portal_files(udata: Udata) -> dict[str, bytes]:
    """Every published file as the portal serves it, downloaded back."""
    with make_portal(udata.url, udata.organisation, None) as portal:
        files = {}
        for listed in portal.datasets():
            for resource in portal.dataset(listed.id).resources:
                answer = requests.get(resource.url, timeout=5)
                answer.raise_for_status()
                files[resource.title] = answer.content
        return files


def flat(done: subprocess.CompletedProcess) -> str:
    return " ".join((done.stdout + done.stderr).split())


def test_the_first_run_fetches_loads_builds_exports_and_publishes(udata, work):
    done = run_daily(udata, work, DAY2)

    text = flat(done)
    assert done.returncode == 0, text
    assert "fetched 4 file(s) downloaded, 0 unchanged, 0 failed" in text
    assert "landed 4 file(s)" in text
    assert "0 failed" in text
    assert "exported 4 file(s)" in text
    # The spreadsheet-saved file comes back canonical; the others were already.
    assert "published 0 new, 1 replaced, 3 unchanged, 0 refused, 0 failed" in text
    assert udata.api_key not in text

    exports = {p.name: p.read_bytes() for p in (work / "exports").glob("*.csv")}
    assert portal_files(udata) == exports
    assert exports[layout.file_name(BETA, DAY2)] == daily_text(BETA, DAY2, 22).encode()


def test_a_second_run_downloads_and_uploads_nothing(udata, work):
    done = run_daily(udata, work, DAY2)

    text = flat(done)
    assert done.returncode == 0, text
    assert "fetched 0 file(s) downloaded" in text
    assert "landed 0 file(s), 0 line(s)" in text
    assert "exported 2 file(s)" in text  # the day asked for, nothing else changed
    assert "published 0 new, 0 replaced, 2 unchanged" in text


def test_an_export_that_breaks_the_table_schema_stops_publication(
    udata, work, tmp_path, monkeypatch
):
    real_export = job.exporter.export

    def export_with_a_bad_line(con, out_dir, site_days):
        written = real_export(con, out_dir, site_days)
        target = out_dir / layout.file_name(BETA, DAY2)
        target.write_text(target.read_text() + "2024-03-02;www.beta.gouv.fr;total;;;x;;;;;\n")
        return written

    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes((work / "warehouse.duckdb").read_bytes())
    monkeypatch.setenv("STATGOUV_WAREHOUSE", str(copy))
    monkeypatch.setenv("STATGOUV_PORTAL_URL", udata.url)
    monkeypatch.setenv("STATGOUV_ORGANISATION", udata.organisation)
    monkeypatch.setenv("STATGOUV_API_KEY", udata.api_key)
    monkeypatch.setattr(job.exporter, "export", export_with_a_bad_line)
    before = portal_files(udata)

    report = job.run_daily(DAY2, work / "data" / "portal", tmp_path / "exports")

    assert report.published is None
    assert not report.ok
    assert "break the Table Schema, so nothing was published" in report.stopped_because[0]
    assert layout.file_name(BETA, DAY2) in report.stopped_because[0]
    assert portal_files(udata) == before


def test_a_failing_dbt_test_stops_publication(udata, work, tmp_path):
    name = layout.file_name(ALPHA, DAY3)
    (tmp_path / name).write_text(broken(ALPHA, DAY3), encoding="utf-8")
    with make_portal(udata.url, udata.organisation, udata.api_key) as portal:
        dataset = next(d for d in portal.datasets() if d.title == ALPHA)
        portal.upload(dataset.id, tmp_path / name)
    before = portal_files(udata)

    done = run_daily(udata, work, DAY3)

    text = flat(done)
    assert done.returncode == 1, text
    assert "sources_sum_to_total" in text
    assert f"site_host={ALPHA}, visit_date={DAY3}" in text
    assert "stopped: the build failed" in text
    assert re.search(r"published \d+ new", text) is None  # no publication step ran
    assert portal_files(udata) == before, "nothing may change on the portal"

    # The next run loads nothing new, but tests again what the failed build
    # left untested (everything since the last build that passed).
    again = run_daily(udata, work, DAY3)
    text = flat(again)
    assert again.returncode == 1, text
    assert f"site_host={ALPHA}, visit_date={DAY3}" in text
    assert portal_files(udata) == before
