"""publish against the real udata: create, replace, skip, refuse, and read back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from portal_helpers import Udata, make_portal, write_daily
from portal_proxy import FaultProxy

from ingest.fetch import fetch
from ingest.portal import Portal
from ingest.publish import PublishError, publish

DELTA = "www.delta.gouv.fr"


def delta_resources(portal: Portal, udata: Udata) -> dict[str, tuple[str, str | None]]:
    """Title to (resource id, sha1) in the delta site's dataset."""
    dataset = portal.dataset(udata.datasets[DELTA])
    return {
        resource.title: (resource.id, resource.checksum.value if resource.checksum else None)
        for resource in dataset.resources
    }


def test_publish_creates_then_skips_and_the_portal_serves_the_same_bytes(
    udata: Udata, portal: Portal, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    files = [write_daily(exports, DELTA, date(2024, 4, day), 40 + day) for day in (1, 2, 3)]

    first = publish(portal, files)
    second = publish(portal, files)

    names = sorted(path.name for path in files)
    assert sorted(first.created) == names and first.replaced == [] and first.ok
    assert second.created == second.replaced == [] and sorted(second.unchanged) == names
    on_portal = delta_resources(portal, udata)
    assert set(names) <= set(on_portal)  # titled with the file names, not udata's slugs

    back = tmp_path / "downloaded-back"
    fetch(portal, back, con)
    for path in files:
        assert (back / path.name).read_bytes() == path.read_bytes()


def test_publish_replaces_a_changed_file_in_place(
    udata: Udata, portal: Portal, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    exports, back = tmp_path / "exports", tmp_path / "back"
    exports.mkdir()
    path = write_daily(exports, DELTA, date(2024, 5, 1), 10)
    publish(portal, [path])
    resource_id, _ = delta_resources(portal, udata)[path.name]
    fetch(portal, back, con)

    # Straight after the first upload: udata refuses a second file of the same
    # name within the same second with a 500, which the client retries.
    write_daily(exports, DELTA, date(2024, 5, 1), 11)
    summary = publish(portal, [path])
    refetched = fetch(portal, back, con)

    assert summary.replaced == [path.name]
    assert delta_resources(portal, udata)[path.name][0] == resource_id
    assert refetched.downloaded == [path.name]
    assert (back / path.name).read_bytes() == path.read_bytes()


def test_dry_run_lists_the_changes_and_makes_none(
    udata: Udata, proxied: Portal, proxy: FaultProxy, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    unchanged = write_daily(exports, DELTA, date(2024, 6, 1), 20)
    publish(proxied, [unchanged])
    changed = write_daily(exports, DELTA, date(2024, 6, 2), 21)
    publish(proxied, [changed])
    write_daily(exports, DELTA, date(2024, 6, 2), 22)
    new = write_daily(exports, DELTA, date(2024, 6, 3), 23)
    before = delta_resources(proxied, udata)
    writes_before = len(proxy.requests("POST")) + len(proxy.requests("PUT"))

    summary = publish(proxied, [unchanged, changed, new], dry_run=True)

    assert summary.dry_run
    assert (summary.unchanged, summary.replaced, summary.created) == (
        [unchanged.name],
        [changed.name],
        [new.name],
    )
    assert delta_resources(proxied, udata) == before
    assert len(proxy.requests("POST")) + len(proxy.requests("PUT")) == writes_before


def test_an_invalid_file_is_not_published_and_the_run_says_why(
    udata: Udata, portal: Portal, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    good = write_daily(exports, DELTA, date(2024, 7, 1), 30)
    bad = write_daily(exports, DELTA, date(2024, 7, 2), 31)
    bad.write_text(bad.read_text().replace(";41,5;", ";41.5;"))

    with pytest.raises(PublishError) as raised:
        publish(portal, [good, bad])

    summary = raised.value.summary
    assert summary.created == [good.name]
    assert [refusal.file for refusal in summary.refused] == [bad.name]
    assert "line 2, column taux_rebond" in str(raised.value)
    assert bad.name not in delta_resources(portal, udata)


def test_a_site_without_a_dataset_is_not_published(portal: Portal, tmp_path: Path) -> None:
    path = write_daily(tmp_path, "www.nowhere.gouv.fr", date(2024, 7, 1), 30)

    with pytest.raises(PublishError, match="no dataset of the organisation names"):
        publish(portal, [path])


def test_publishing_without_a_key_stops_before_anything(udata: Udata, tmp_path: Path) -> None:
    path = write_daily(tmp_path, DELTA, date(2024, 7, 9), 30)

    with (
        make_portal(udata.url, udata.organisation, None) as keyless,
        pytest.raises(PublishError, match="STATGOUV_API_KEY"),
    ):
        publish(keyless, [path])


def test_fetch_then_publish_of_the_same_files_sends_nothing(
    udata: Udata,
    proxied: Portal,
    proxy: FaultProxy,
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
) -> None:
    dest = tmp_path / "downloads"
    fetched = fetch(proxied, dest, con)
    seeded = sorted(dest / name for name in udata.files)

    summary = publish(proxied, seeded)

    assert set(udata.files) <= set(fetched.downloaded)
    assert sorted(summary.unchanged) == sorted(udata.files)
    assert summary.created == summary.replaced == []
    assert proxy.requests("POST") == proxy.requests("PUT") == []
