"""Fixtures of the portal tests: a real udata, seeded, and a proxy that makes faults."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from portal_helpers import Udata, daily_text, ensure_udata_venv, make_portal, start_udata
from portal_proxy import FaultProxy

from ingest.portal import Portal

ORGANISATION = "Service des statistiques"
# Dataset titles name their site in the two ways the publish rule accepts.
SITES = {
    "www.alpha.gouv.fr": "www.alpha.gouv.fr",
    "www.beta.gouv.fr": "Audience de www.beta.gouv.fr",
    "www.gamma.gouv.fr": "Audience du site www.gamma.gouv.fr (quotidien)",
    "www.delta.gouv.fr": "www.delta.gouv.fr",
}
SEEDED_DAYS = (date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3))
SEEDED_SITES = ("www.alpha.gouv.fr", "www.beta.gouv.fr", "www.gamma.gouv.fr")
NOTICE = "notice.txt"


def _seed() -> tuple[dict, dict[str, bytes]]:
    files: dict[str, bytes] = {}
    sites = []
    for number, (site, title) in enumerate(SITES.items()):
        texts: dict[str, str] = {}
        if site in SEEDED_SITES:
            for offset, day in enumerate(SEEDED_DAYS):
                texts[f"{site}_{day.isoformat()}.csv"] = daily_text(
                    site, day, 100 * number + offset + 5
                )
        if site == "www.alpha.gouv.fr":
            texts[NOTICE] = "Not a published file: fetch leaves it alone.\n"
        files.update(
            {name: text.encode("utf-8") for name, text in texts.items() if name != NOTICE}
        )
        sites.append({"title": title, "files": texts})
    return {"organisation": ORGANISATION, "sites": sites}, files  # fmt: skip


@pytest.fixture(scope="session")
def udata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Udata]:
    python, why = ensure_udata_venv()
    if python is None:
        pytest.skip(f"the real udata cannot be installed here: {why}")
    seed, files = _seed()
    process, server = start_udata(python, tmp_path_factory.mktemp("udata"), seed)
    server.files = files
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except Exception:
            process.kill()


@pytest.fixture
def portal(udata: Udata) -> Iterator[Portal]:
    with make_portal(udata.url, udata.organisation, udata.api_key) as client:
        yield client


@pytest.fixture
def proxy(udata: Udata) -> Iterator[FaultProxy]:
    server = FaultProxy(udata.url)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def proxied(udata: Udata, proxy: FaultProxy) -> Iterator[Portal]:
    with make_portal(proxy.url, udata.organisation, udata.api_key) as client:
        yield client


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture(autouse=True)
def no_key_anywhere(
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[None]:
    """After every test, the API key is in no log record and no printed output."""
    caplog.set_level(logging.DEBUG)
    yield
    if "udata" not in request.fixturenames:
        return
    server: Udata = request.getfixturevalue("udata")
    captured = capsys.readouterr()
    texts = [captured.out, captured.err]
    for record in caplog.records:
        texts.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            texts.append(repr(record.exc_info[1]))
    leaked = any(key in text for key in (server.api_key, server.outsider_key) for text in texts)
    assert leaked is False, "an API key was printed or logged"
