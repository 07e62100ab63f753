"""fetch against the real udata: what it downloads, what it leaves, how it resumes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from portal_helpers import Udata
from portal_proxy import FaultProxy

from ingest import fetch as fetch_module
from ingest.fetch import PART_SUFFIX, fetch
from ingest.layout import parse_file_name
from ingest.portal import Portal


def published_on_portal(portal: Portal) -> dict[str, str]:
    """Title to resource id of every published file the portal holds now."""
    found = {}
    for listed in portal.datasets():
        for resource in portal.dataset(listed.id).resources:
            if parse_file_name(resource.title) is not None:
                found[resource.title] = resource.id
    return found


def test_fetch_downloads_every_published_file_once(
    udata: Udata, portal: Portal, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    dest = tmp_path / "downloads"
    expected = published_on_portal(portal)

    first = fetch(portal, dest, con)
    second = fetch(portal, dest, con)

    assert sorted(first.downloaded) == sorted(expected)
    assert set(udata.files) <= set(first.downloaded)
    assert first.ignored_resources >= 1  # notice.txt
    assert not (dest / "notice.txt").exists()
    for name, content in udata.files.items():
        assert (dest / name).read_bytes() == content
    assert second.downloaded == [] and second.already_in_place == []
    assert sorted(second.unchanged) == sorted(expected)
    rows = con.execute("select resource_id, resource_title from raw.portal_downloads").fetchall()
    assert dict((title, rid) for rid, title in rows) == expected


def test_fetch_sends_the_key_to_the_api_only(
    udata: Udata,
    proxied: Portal,
    proxy: FaultProxy,
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
) -> None:
    fetch(proxied, tmp_path / "downloads", con)

    file_requests = proxy.requests("GET", "/resources/")
    api_requests = proxy.requests("GET", "/api/1/")
    assert file_requests and api_requests
    assert not any(seen.with_key for seen in file_requests)
    assert all(seen.with_key for seen in api_requests)


def test_interrupted_fetch_resumes_without_downloading_twice(
    udata: Udata,
    proxied: Portal,
    proxy: FaultProxy,
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
) -> None:
    dest = tmp_path / "downloads"
    dest.mkdir()
    name = "www.beta.gouv.fr_2024-03-02.csv"
    # What a run killed at each step leaves: a temporary file half written, and a
    # file moved into place before its ledger row was written.
    leftover = dest / f".www.beta.gouv.fr_2024-03-01.csv.x1y2{PART_SUFFIX}"
    leftover.write_bytes(b"date;si")
    (dest / name).write_bytes(udata.files[name])

    summary = fetch(proxied, dest, con)

    assert not leftover.exists()
    assert summary.already_in_place == [name]
    assert name not in summary.downloaded
    assert proxy.requests("GET", "/www.beta.gouv.fr-2024-03-01.csv")  # files are fetched so
    assert not proxy.requests("GET", "/www.beta.gouv.fr-2024-03-02.csv")  # but not this one
    assert list(dest.glob(f"*{PART_SUFFIX}")) == []
    recorded = con.execute(
        "select count(*) from raw.portal_downloads where resource_title = ?", [name]
    ).fetchone()
    assert recorded == (1,)


def test_fetch_downloads_again_a_file_that_went_missing(
    udata: Udata, portal: Portal, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    dest = tmp_path / "downloads"
    fetch(portal, dest, con)
    name = "www.gamma.gouv.fr_2024-03-03.csv"
    (dest / name).unlink()

    summary = fetch(portal, dest, con)

    assert summary.downloaded == [name]
    assert (dest / name).read_bytes() == udata.files[name]


def test_a_long_fetch_shows_a_progress_bar_on_a_terminal(
    udata: Udata,
    portal: Portal,
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fetch_module, "PROGRESS_MIN_FILES", 2)
    monkeypatch.setattr(fetch_module.sys.stderr, "isatty", lambda: True, raising=False)

    summary = fetch(portal, tmp_path / "downloads", con)

    assert set(udata.files) <= set(summary.downloaded)
