"""The warehouse's settings: read from the environment, a wrong one named clearly."""

from __future__ import annotations

import subprocess

import pytest

from ingest import landing, settings, warehouse
from tests.conftest import BIN


def test_settings_take_their_values_and_defaults(monkeypatch):
    monkeypatch.setenv("STATGOUV_LOCK_WAIT", "2.5")
    monkeypatch.setenv("STATGOUV_CHUNK_FILES", "500")
    monkeypatch.setenv("STATGOUV_MEMORY_LIMIT", "1.5 GiB")
    assert warehouse.lock_wait_seconds() == 2.5
    assert landing.chunk_files_setting() == 500
    assert warehouse.memory_limit() == "1.5 GiB"
    for name in ("STATGOUV_LOCK_WAIT", "STATGOUV_CHUNK_FILES", "STATGOUV_MEMORY_LIMIT"):
        monkeypatch.setenv(name, "")
    assert warehouse.lock_wait_seconds() == 60.0
    assert landing.chunk_files_setting() == 10000
    assert warehouse.memory_limit() == "3GB"


@pytest.mark.parametrize(
    ("name", "value", "read", "message"),
    [
        ("STATGOUV_LOCK_WAIT", "abc", warehouse.lock_wait_seconds, "a number of seconds"),
        ("STATGOUV_LOCK_WAIT", "nan", warehouse.lock_wait_seconds, "zero or more"),
        ("STATGOUV_LOCK_WAIT", "-1", warehouse.lock_wait_seconds, "zero or more"),
        ("STATGOUV_CHUNK_FILES", "abc", landing.chunk_files_setting, "a whole number"),
        ("STATGOUV_CHUNK_FILES", "0", landing.chunk_files_setting, "one or more"),
        ("STATGOUV_MEMORY_LIMIT", "lots", warehouse.memory_limit, "such as 3GB"),
    ],
)
def test_a_wrong_setting_is_named_with_what_it_takes(monkeypatch, name, value, read, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(settings.SettingsError) as raised:
        read()
    assert str(raised.value).startswith(f"{name} must be ")
    assert message in str(raised.value)
    assert repr(value) in str(raised.value)


def test_a_wrong_setting_stops_the_command_with_status_2_and_one_line(tmp_path, cli_env):
    folder = tmp_path / "files"
    folder.mkdir()
    done = subprocess.run(
        [str(BIN / "statgouv"), "load", str(folder)],
        env={**cli_env, "STATGOUV_CHUNK_FILES": "abc"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: STATGOUV_CHUNK_FILES must be a whole number, one or more, not 'abc'"
    ]
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_a_path_without_files_is_a_wrong_argument_and_opens_no_warehouse(tmp_path, cli_env):
    empty, missing = tmp_path / "empty", tmp_path / "missing"
    empty.mkdir()
    for path, message in [
        (empty, f"error: {empty}: no .csv file here, nothing to load"),
        (missing, f"error: {missing}: no such file or folder"),
    ]:
        done = subprocess.run(
            [str(BIN / "statgouv"), "load", str(path)], env=cli_env, capture_output=True, text=True
        )
        assert done.returncode == 2
        assert done.stderr.strip().splitlines()[-1] == message
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_dry_run_goes_with_the_daily_job_only(cli_env):
    done = subprocess.run(
        [str(BIN / "statgouv"), "run", "--dry-run"], env=cli_env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "goes with --portal" in done.stderr


def test_the_version_is_the_package_s():
    done = subprocess.run([str(BIN / "statgouv"), "--version"], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "statgouv 0.1.0\n")
