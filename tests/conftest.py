"""Shared test helpers: small corpora of daily files and the project's paths."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from ingest import layout

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"

TEMPLATE = [
    "{day};{site};total;;;1520;1310;3648;2,40;48,3;00:01:53",
    "{day};{site};page;1;https://{site}/;;;910;;;",
    "{day};{site};page;2;https://{site}/actualites;;;402;;;",
    "{day};{site};referent;1;https://www.service-public.fr/;212;;;;;",
    "{day};{site};source;;Moteurs de recherche;801;;;;;",
    "{day};{site};source;;Accès direct;433;;;;;",
    "{day};{site};source;;Sites référents;286;;;;;",
    "{day};{site};appareil;;Smartphone;842;;;;;",
    "{day};{site};appareil;;Ordinateur;678;;;;;",
]


def write_daily_files(folder: Path, sites: int, days: int, start: date = date(2024, 3, 1)) -> int:
    """Write sites x days small canonical files; return the number of lines written."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = 0
    for number in range(sites):
        site = f"site{number:03d}.exemple.gouv.fr"
        for offset in range(days):
            day = start + timedelta(days=offset)
            rows = [row.format(day=day.isoformat(), site=site) for row in TEMPLATE]
            text = "\n".join([layout.HEADER, *rows]) + "\n"
            (folder / layout.file_name(site, day)).write_text(text, encoding="utf-8")
            lines += len(rows)
    return lines


@pytest.fixture
def cli_env(tmp_path) -> dict[str, str]:
    """The environment of a statgouv process working on a warehouse of its own."""
    env = dict(os.environ)
    env["STATGOUV_WAREHOUSE"] = str(tmp_path / "warehouse.duckdb")
    return env


@dataclass(frozen=True)
class SampleRun:
    """The built-in sample, run through the whole job once for the session."""

    sample_dir: Path
    export_dir: Path
    warehouse: Path
    returncode: int
    output: str


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> SampleRun:
    from ingest import sample

    work = tmp_path_factory.mktemp("sample-run")
    sample_dir, export_dir = work / "sample", work / "exports"
    sample.generate(sample_dir)
    env = {**os.environ, "STATGOUV_WAREHOUSE": str(work / "warehouse.duckdb")}
    done = subprocess.run(
        [str(BIN / "statgouv"), "run", "--input", str(sample_dir), "--out", str(export_dir)],
        env=env,
        capture_output=True,
        text=True,
        cwd=work,
    )
    return SampleRun(
        sample_dir=sample_dir,
        export_dir=export_dir,
        warehouse=work / "warehouse.duckdb",
        returncode=done.returncode,
        output=done.stdout + done.stderr,
    )
