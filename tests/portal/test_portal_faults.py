"""Faults the real udata cannot make, made by a proxy in front of it, and its own refusals."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from portal_helpers import Udata, assert_no_key, make_portal, write_daily
from portal_proxy import Fault, FaultProxy

from ingest.fetch import PART_SUFFIX, FetchError, fetch
from ingest.portal import Portal, PortalError
from ingest.publish import PublishError, publish

ALPHA_FIRST = "www.alpha.gouv.fr_2024-03-01.csv"
ALPHA_FIRST_STORED = "/www.alpha.gouv.fr-2024-03-01.csv"  # udata's name for the stored file
DELTA = "www.delta.gouv.fr"


def ledger_titles(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select resource_title from raw.portal_downloads").fetchall()
    return {title for (title,) in rows}


def nothing_half_written(dest: Path) -> bool:
    return not list(dest.glob(f"*{PART_SUFFIX}"))


def test_a_500_then_a_200_is_retried(
    udata: Udata,
    proxied: Portal,
    proxy: FaultProxy,
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
) -> None:
    proxy.add(Fault("status", "GET", "/organizations/", times=1, status=500))
    proxy.add(Fault("status", "GET", ALPHA_FIRST_STORED, times=2, status=503))

    summary = fetch(proxied, tmp_path / "downloads", con)

    assert ALPHA_FIRST in summary.downloaded
    assert [seen.status for seen in proxy.requests("GET", "/organizations/")][:2] == [500, 200]
    assert [seen.status for seen in proxy.requests("GET", ALPHA_FIRST_STORED)] == [503, 503, 200]


def test_an_upload_answered_503_is_sent_again(
    udata: Udata, proxied: Portal, proxy: FaultProxy, tmp_path: Path
) -> None:
    path = write_daily(tmp_path, DELTA, date(2024, 8, 1), 50)
    proxy.add(Fault("status", "POST", "/upload/", times=1, status=503))

    summary = publish(proxied, [path])

    assert summary.created == [path.name]
    assert [seen.status for seen in proxy.requests("POST", "/upload/")] == [503, 201]


def test_a_timeout_is_retried(
    udata: Udata, proxy: FaultProxy, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    proxy.add(Fault("stall", "GET", "/api/1/datasets/", times=1, seconds=3))

    with make_portal(proxy.url, udata.organisation, udata.api_key, timeout=0.5) as portal:
        summary = fetch(portal, tmp_path / "downloads", con)

    assert set(udata.files) <= set(summary.downloaded)


def test_a_portal_that_never_answers_fails_clearly(
    udata: Udata, proxy: FaultProxy, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    proxy.add(Fault("stall", "GET", "/organizations/", times=None, seconds=2))
    dest = tmp_path / "downloads"

    with (
        make_portal(
            proxy.url, udata.organisation, udata.api_key, timeout=0.3, retries=1
        ) as portal,
        pytest.raises(
            PortalError,
            match=r"GET /api/1/organizations/.* failed: timed out: no answer within 0.3 s",
        ),
    ):
        fetch(portal, dest, con)

    assert list(dest.iterdir()) == []
    assert ledger_titles(con) == set()


def test_a_body_cut_short_once_is_fetched_again(
    udata: Udata,
    proxied: Portal,
    proxy: FaultProxy,
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
) -> None:
    proxy.add(Fault("truncate", "GET", ALPHA_FIRST_STORED, times=1))
    dest = tmp_path / "downloads"

    fetch(proxied, dest, con)

    assert (dest / ALPHA_FIRST).read_bytes() == udata.files[ALPHA_FIRST]
    assert len(proxy.requests("GET", ALPHA_FIRST_STORED)) == 2


def test_a_body_always_cut_short_fails_that_file_and_keeps_nothing_of_it(
    udata: Udata, proxy: FaultProxy, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    fault = proxy.add(Fault("truncate", "GET", ALPHA_FIRST_STORED, times=None))
    dest = tmp_path / "downloads"

    with make_portal(proxy.url, udata.organisation, udata.api_key, retries=1) as portal:
        with pytest.raises(FetchError, match=f"{ALPHA_FIRST}: GET .* broke off") as raised:
            fetch(portal, dest, con)
        assert not (dest / ALPHA_FIRST).exists() and nothing_half_written(dest)
        assert ALPHA_FIRST not in ledger_titles(con)
        assert set(raised.value.summary.downloaded) >= set(udata.files) - {ALPHA_FIRST}

        fault.times = 0
        again = fetch(portal, dest, con)

    assert again.downloaded == [ALPHA_FIRST]
    assert (dest / ALPHA_FIRST).read_bytes() == udata.files[ALPHA_FIRST]


def test_a_file_whose_checksum_is_wrong_is_not_moved_into_place(
    udata: Udata,
    proxied: Portal,
    proxy: FaultProxy,
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
) -> None:
    proxy.add(Fault("corrupt", "GET", ALPHA_FIRST_STORED, times=None))
    dest = tmp_path / "downloads"

    with pytest.raises(FetchError, match=f"{ALPHA_FIRST}: its sha1 is .* the file was not kept"):
        fetch(proxied, dest, con)

    assert not (dest / ALPHA_FIRST).exists() and nothing_half_written(dest)
    assert ALPHA_FIRST not in ledger_titles(con)


def test_a_checksum_the_portal_gets_wrong_refuses_the_files(
    udata: Udata,
    proxied: Portal,
    proxy: FaultProxy,
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
) -> None:
    alpha = udata.datasets["www.alpha.gouv.fr"]
    proxy.add(Fault("checksum", "GET", f"/api/1/datasets/{alpha}/", times=None))
    dest = tmp_path / "downloads"

    with pytest.raises(FetchError) as raised:
        fetch(proxied, dest, con)

    failed = sorted(name for name, _ in raised.value.summary.failed)
    assert failed == sorted(name for name in udata.files if name.startswith("www.alpha."))
    assert not any(dest.glob("www.alpha.*")) and nothing_half_written(dest)


def test_an_upload_refused_as_too_large_fails_naming_the_file(
    udata: Udata, proxied: Portal, proxy: FaultProxy, portal: Portal, tmp_path: Path
) -> None:
    path = write_daily(tmp_path, DELTA, date(2024, 8, 2), 50)
    proxy.add(Fault("status", "POST", "/upload/", times=None, status=413))

    with pytest.raises(PublishError, match=f"{path.name}: POST /api/1/datasets/.* answered 413"):
        publish(proxied, [path])

    titles = {resource.title for resource in portal.dataset(udata.datasets[DELTA]).resources}
    assert path.name not in titles
    assert len(proxy.requests("POST", "/upload/")) == 1  # a 413 is not worth a retry


def test_a_list_that_never_ends_stops_clearly(
    udata: Udata, proxy: FaultProxy, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    proxy.add(Fault("endless", "GET", "/organizations/", times=None))
    dest = tmp_path / "downloads"

    with (
        make_portal(proxy.url, udata.organisation, udata.api_key, max_pages=5) as portal,
        pytest.raises(PortalError, match="did not end after 5 pages"),
    ):
        fetch(portal, dest, con)

    assert len(proxy.requests("GET", "/organizations/")) == 5
    assert list(dest.iterdir()) == []


def test_a_bad_key_is_refused_with_401(udata: Udata, tmp_path: Path) -> None:
    path = write_daily(tmp_path, DELTA, date(2024, 8, 3), 50)
    bad_key = "udata_not-a-key-the-portal-knows"

    with (
        make_portal(udata.url, udata.organisation, bad_key) as portal,
        pytest.raises(PortalError) as raised,
    ):
        publish(portal, [path])

    assert "answered 401: Invalid API token" in str(raised.value)
    assert bad_key not in str(raised.value)


def test_a_key_of_a_non_member_is_refused_with_403(udata: Udata, tmp_path: Path) -> None:
    path = write_daily(tmp_path, DELTA, date(2024, 8, 4), 50)

    with (
        make_portal(udata.url, udata.organisation, udata.outsider_key) as portal,
        pytest.raises(
            PublishError, match="answered 403: You do not have the permission"
        ) as raised,
    ):
        publish(portal, [path])

    assert_no_key(str(raised.value), udata)


def test_an_unknown_dataset_or_organisation_is_a_clear_404(udata: Udata, portal: Portal) -> None:
    with pytest.raises(
        PortalError, match=r"GET /api/1/datasets/0123456789abcdef01234567/ answered 404"
    ):
        portal.dataset("0123456789abcdef01234567")

    with (
        make_portal(udata.url, "no-such-organisation", udata.api_key) as stranger,
        pytest.raises(
            PortalError, match="organizations/no-such-organisation/datasets/ answered 404"
        ),
    ):
        stranger.datasets()


def test_the_key_is_in_no_error_repr_or_log(
    udata: Udata,
    proxied: Portal,
    proxy: FaultProxy,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = write_daily(tmp_path, DELTA, date(2024, 8, 5), 50)
    # A careless server that repeats the key in its error message.
    proxy.add(Fault("echo_key", "POST", "/upload/", times=None))

    with pytest.raises(PublishError) as raised:
        publish(proxied, [path])

    assert "Invalid API token ***" in str(raised.value)
    for text in (str(raised.value), repr(raised.value), repr(proxied), repr(proxied.settings)):
        assert_no_key(text, udata)
    assert_no_key("\n".join(record.getMessage() for record in caplog.records), udata)
