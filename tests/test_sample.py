"""The synthetic sample: reproducible, complete, and true to every rule of the layout."""

from __future__ import annotations

import csv
import io
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ingest import layout, sample

PROJECT_ROOT = Path(__file__).resolve().parents[1]
HOST = re.compile(layout.VALUE_PATTERNS["host"])
FORBIDDEN_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ParsedFile:
    path: Path
    data: bytes
    header: list[str]
    lines: list[dict[str, str]]


def parse(path: Path) -> ParsedFile:
    data = path.read_bytes()
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=";")
    header, *rows = list(reader)
    return ParsedFile(path, data, header, [dict(zip(header, row, strict=True)) for row in rows])


def tree(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def default_sample(tmp_path_factory: pytest.TempPathFactory) -> sample.SampleSummary:
    return sample.generate(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def parsed(default_sample: sample.SampleSummary) -> list[ParsedFile]:
    return [parse(path) for path in sorted(default_sample.out_dir.iterdir())]


# ---------------------------------------------------------------------------
# Reproducibility


def test_same_seed_gives_the_same_bytes(
    default_sample: sample.SampleSummary, tmp_path: Path
) -> None:
    again = sample.generate(tmp_path / "again")

    assert replace(again, out_dir=default_sample.out_dir) == default_sample
    assert tree(tmp_path / "again") == tree(default_sample.out_dir)


def test_another_seed_gives_other_bytes(
    default_sample: sample.SampleSummary, tmp_path: Path
) -> None:
    other = sample.generate(tmp_path / "other", seed=sample.DEFAULT_SEED + 1)

    first, second = tree(default_sample.out_dir), tree(other.out_dir)
    shared = set(first) & set(second)
    assert len(shared) > 1000
    assert sum(first[name] != second[name] for name in shared) > 0.9 * len(shared)


def test_bytes_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from ingest import sample; "
        "sample.generate(Path(sys.argv[1]), sites=4, days=5)"
    )
    for hash_seed in ("1", "2"):
        environment = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / hash_seed)],
            check=True,
            cwd=PROJECT_ROOT,
            env=environment,
        )

    assert tree(tmp_path / "1") == tree(tmp_path / "2")
    assert len(tree(tmp_path / "1")) >= 4 * 5 - 1


def test_a_site_day_does_not_depend_on_the_rest_of_the_sample(tmp_path: Path) -> None:
    sample.generate(
        tmp_path / "small", sites=3, days=4, header_only_fraction=0, missing_fraction=0
    )
    sample.generate(
        tmp_path / "large", sites=6, days=9, header_only_fraction=0, missing_fraction=0
    )

    small, large = tree(tmp_path / "small"), tree(tmp_path / "large")
    assert len(small) == 12
    assert all(large[name] == data for name, data in small.items())


# ---------------------------------------------------------------------------
# What was written


def test_summary_matches_the_folder(default_sample: sample.SampleSummary) -> None:
    names = {path.name for path in default_sample.out_dir.iterdir()}
    sites = sample.sample_sites(20)
    expected = {
        layout.file_name(site.host, date.fromordinal(default_sample.first_day.toordinal() + i))
        for site in sites
        for i in range(60)
    }
    missing = {layout.file_name(gap.site, gap.day) for gap in default_sample.missing}

    assert default_sample.first_day == date(2024, 5, 2)
    assert default_sample.last_day == date(2024, 6, 30)
    assert default_sample.sites == 20
    assert default_sample.files_written == 20 * 60 - len(default_sample.missing)
    assert names == expected - missing
    assert missing <= expected


def test_gaps_are_present_and_counted(
    default_sample: sample.SampleSummary, parsed: list[ParsedFile]
) -> None:
    header_only = {file.path.name for file in parsed if not file.lines}
    line_count = sum(len(file.lines) for file in parsed)

    assert len(default_sample.header_only) >= 1
    assert len(default_sample.missing) >= 1
    assert header_only == {
        layout.file_name(gap.site, gap.day) for gap in default_sample.header_only
    }
    assert not set(default_sample.header_only) & set(default_sample.missing)
    assert default_sample.lines_written == line_count


def test_header_only_files_hold_the_header_and_nothing_else(parsed: list[ParsedFile]) -> None:
    for file in parsed:
        if not file.lines:
            assert file.data == (layout.HEADER + "\n").encode("utf-8")


def test_fractions_set_the_gaps(tmp_path: Path) -> None:
    none = sample.generate(
        tmp_path / "none", sites=2, days=10, header_only_fraction=0, missing_fraction=0
    )
    many = sample.generate(
        tmp_path / "many", sites=2, days=10, header_only_fraction=0.2, missing_fraction=0.1
    )

    assert (len(none.header_only), len(none.missing), none.files_written) == (0, 0, 20)
    assert (len(many.header_only), len(many.missing), many.files_written) == (4, 2, 18)


def test_a_stale_file_of_a_missing_day_is_removed(tmp_path: Path) -> None:
    gap = sample.generate(tmp_path / "first", sites=2, days=5).missing[0]
    stale = tmp_path / "second" / layout.file_name(gap.site, gap.day)
    stale.parent.mkdir()
    stale.write_text(layout.HEADER + "\n", encoding="utf-8")

    sample.generate(tmp_path / "second", sites=2, days=5)

    assert not stale.exists()
    assert len(list(stale.parent.iterdir())) == 2 * 5 - 1


@pytest.mark.parametrize(
    ("sites", "days", "header_only", "missing"),
    [(0, 5, 0.0, 0.0), (5, 0, 0.0, 0.0), (5, 5, 0.0, -0.1), (5, 5, 0.6, 0.6)],
)
def test_impossible_samples_are_refused(
    tmp_path: Path, sites: int, days: int, header_only: float, missing: float
) -> None:
    with pytest.raises(ValueError):
        sample.generate(
            tmp_path,
            sites=sites,
            days=days,
            header_only_fraction=header_only,
            missing_fraction=missing,
        )


# ---------------------------------------------------------------------------
# Every rule of the layout, on every file of the default sample


def test_files_are_utf8_without_bom_with_lf_line_ends(parsed: list[ParsedFile]) -> None:
    for file in parsed:
        assert not file.data.startswith(b"\xef\xbb\xbf")
        assert b"\r" not in file.data
        assert file.data.endswith(b"\n")
        assert file.header == list(layout.COLUMN_NAMES)


def test_files_are_written_as_the_csv_writer_would(parsed: list[ParsedFile]) -> None:
    # Fields are quoted exactly when they hold ";", '"' or a line break.
    for file in parsed:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
        writer.writerow(file.header)
        writer.writerows([list(line.values()) for line in file.lines])
        assert buffer.getvalue().encode("utf-8") == file.data, file.path.name


def test_name_date_and_site_agree(parsed: list[ParsedFile]) -> None:
    for file in parsed:
        name = layout.parse_file_name(file.path.name)
        assert name is not None and name.day is not None
        for line in file.lines:
            assert line["site"] == name.site
            assert line["date"] == name.day.isoformat()


def test_lines_come_in_the_published_order(parsed: list[ParsedFile]) -> None:
    order = ["total", "page", "referent", "source", "appareil"]
    for file in parsed:
        kinds = [line["ligne"] for line in file.lines]
        if not kinds:
            continue
        assert kinds.count("total") == 1 and kinds[0] == "total"
        assert kinds == sorted(kinds, key=order.index), file.path.name


def test_each_line_fills_the_columns_of_its_kind(parsed: list[ParsedFile]) -> None:
    for file in parsed:
        for line in file.lines:
            filled = {name for name, value in line.items() if value != ""}
            expected = {
                column.name for column in layout.COLUMNS if line["ligne"] in column.filled_on
            }
            assert filled == expected, (file.path.name, line)


def test_values_have_their_published_form(parsed: list[ParsedFile]) -> None:
    forms = {
        "visites": r"\d+",
        "visiteurs": r"\d+",
        "pages_vues": r"\d+",
        "rang": r"[1-9]\d?",
        "pages_par_visite": r"\d+,\d\d",
        "taux_rebond": r"\d+,\d",
        "temps_par_visite": r"\d\d+:[0-5]\d:[0-5]\d",
    }
    for file in parsed:
        for line in file.lines:
            for name, form in forms.items():
                if line[name]:
                    assert re.fullmatch(form, line[name]), (file.path.name, name, line[name])


def test_totals_hold_together(parsed: list[ParsedFile]) -> None:
    for file in parsed:
        for line in file.lines:
            if line["ligne"] != "total":
                continue
            visits, visitors = int(line["visites"]), int(line["visiteurs"])
            page_views = int(line["pages_vues"])
            assert 1 <= visitors <= visits <= page_views, file.path.name

            # page views / visits, rounded half up to 2 decimals, in integers
            hundredths = (200 * page_views + visits) // (2 * visits)
            assert line["pages_par_visite"] == f"{hundredths // 100},{hundredths % 100:02d}"

            bounce = Decimal(line["taux_rebond"].replace(",", "."))
            assert 0 <= bounce <= 100


def test_ranks_and_order_of_pages_and_referrers(parsed: list[ParsedFile]) -> None:
    for file in parsed:
        for kind, count_column in (("page", "pages_vues"), ("referent", "visites")):
            lines = [line for line in file.lines if line["ligne"] == kind]
            ranks = [int(line["rang"]) for line in lines]
            ranked = [(-int(line[count_column]), line["libelle"]) for line in lines]
            assert ranks == list(range(1, len(lines) + 1)) and len(lines) <= 50
            assert ranked == sorted(ranked), (file.path.name, kind)
            assert len({line["libelle"] for line in lines}) == len(lines)
            assert all(count < 0 for count, _ in ranked)


def test_sources_and_devices_add_up_to_the_visits(parsed: list[ParsedFile]) -> None:
    for file in parsed:
        if not file.lines:
            continue
        visits = int(file.lines[0]["visites"])
        for kind, labels in (("source", layout.SOURCE_CODES), ("appareil", layout.DEVICE_CODES)):
            mix = [
                (line["libelle"], int(line["visites"]))
                for line in file.lines
                if line["ligne"] == kind
            ]
            assert sum(count for _, count in mix) == visits, (file.path.name, kind)
            assert all(label in labels and count > 0 for label, count in mix)
            assert len({label for label, _ in mix}) == len(mix)
            assert mix == sorted(mix, key=lambda item: (-item[1], item[0]))


def test_pages_and_referrers_stay_within_their_totals(parsed: list[ParsedFile]) -> None:
    for file in parsed:
        if not file.lines:
            continue
        page_views = int(file.lines[0]["pages_vues"])
        referred = sum(
            int(line["visites"])
            for line in file.lines
            if line["ligne"] == "source" and line["libelle"] == "Sites référents"
        )
        pages = sum(int(line["pages_vues"]) for line in file.lines if line["ligne"] == "page")
        referrers = [int(line["visites"]) for line in file.lines if line["ligne"] == "referent"]
        assert pages <= page_views, file.path.name
        assert sum(referrers) <= referred, file.path.name
        if referred == 0:
            assert referrers == []


def test_labels_are_safe_and_exercise_quoting(parsed: list[ParsedFile]) -> None:
    labels = {line["libelle"] for file in parsed for line in file.lines if line["libelle"]}

    assert not [label for label in labels if label.startswith(FORBIDDEN_STARTS)]
    assert any(";" in label for label in labels)
    assert any('"' in label for label in labels)
    assert any(re.search("[éèêàç]", label) for label in labels if label.startswith("https://"))


# ---------------------------------------------------------------------------
# Realism


def test_traffic_looks_like_a_year_of_real_sites(parsed: list[ParsedFile]) -> None:
    totals = [
        (line["site"], date.fromisoformat(line["date"]), int(line["visites"]))
        for file in parsed
        for line in file.lines[:1]
    ]
    by_site: dict[str, list[int]] = defaultdict(list)
    for site, _, visits in totals:
        by_site[site].append(visits)
    means = sorted(statistics.mean(visits) for visits in by_site.values())
    weekday = [visits for _, day, visits in totals if day.weekday() < 5]
    weekend = [visits for _, day, visits in totals if day.weekday() >= 5]

    assert means[-1] > 10 * statistics.median(means)  # a long tail of sizes
    assert sum(weekday) / len(weekday) > 1.2 * sum(weekend) / len(weekend)


def test_small_sites_show_fewer_lines(tmp_path: Path) -> None:
    summary = sample.generate(tmp_path, sites=120, days=2)
    page_counts = [
        sum(line["ligne"] == "page" for line in parse(path).lines)
        for path in sorted(summary.out_dir.iterdir())
    ]

    assert max(page_counts) == 50
    assert min(count for count in page_counts if count) < 25


# ---------------------------------------------------------------------------
# Sites


def test_registry_is_a_clean_seed() -> None:
    with (PROJECT_ROOT / "seeds" / "sites.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, *sites = rows

    assert header == ["site_host", "site_name", "ministry"]
    assert 35 <= len(sites) <= 60
    assert all(len(row) == 3 and all(value.strip() for value in row) for row in sites)
    hosts = [row[0] for row in sites]
    assert len(set(hosts)) == len(hosts)
    assert all(HOST.fullmatch(host) for host in hosts)
    assert ["www.gouvernement.fr", "Gouvernement", "Premier ministre"] in sites


def test_sites_start_with_the_registry_in_its_order() -> None:
    registry = sample.read_registry()

    assert sample.sample_sites(5) == registry[:5]
    assert sample.sample_sites(len(registry) + 3)[: len(registry)] == registry


@pytest.mark.parametrize("count", [900, 1500])
def test_many_sites_have_unique_valid_lower_case_hosts(count: int) -> None:
    sites = sample.sample_sites(count)
    hosts = [site.host for site in sites]

    assert len(hosts) == count == len(set(hosts))
    assert all(HOST.fullmatch(host) and host == host.lower() for host in hosts)
    assert all(site.name and site.ministry for site in sites)
    assert "www.bouches-du-rhone.gouv.fr" in hosts and "jp.ambafrance.org" in hosts


def test_sites_beyond_the_registry_get_files(tmp_path: Path) -> None:
    registry_size = len(sample.read_registry())
    summary = sample.generate(tmp_path, sites=registry_size + 10, days=1, missing_fraction=0)
    names = [layout.parse_file_name(path.name) for path in tmp_path.iterdir()]
    sites = {name.site for name in names if name is not None}

    assert summary.files_written == registry_size + 10
    assert len(sites) == registry_size + 10
