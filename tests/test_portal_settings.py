"""Portal settings, and the API key kept out of every text."""

from __future__ import annotations

import pytest

from ingest.portal import (
    DEFAULT_PORTAL_URL,
    ApiKey,
    Portal,
    PortalError,
    PortalSettings,
    SettingsError,
)

KEY = "udata_secret-key-for-the-settings-tests"


def test_settings_come_from_the_environment() -> None:
    settings = PortalSettings.from_env(
        {
            "STATGOUV_PORTAL_URL": "http://127.0.0.1:5000/",
            "STATGOUV_ORGANISATION": "sig",
            "STATGOUV_API_KEY": KEY,
            "STATGOUV_PORTAL_TIMEOUT": "5",
        }
    )

    assert (settings.url, settings.organisation, settings.timeout_seconds) == (
        "http://127.0.0.1:5000",
        "sig",
        5.0,
    )
    assert settings.api_key is not None and settings.api_key.reveal() == KEY


def test_the_portal_defaults_to_the_national_one_and_the_key_is_optional() -> None:
    settings = PortalSettings.from_env({"STATGOUV_ORGANISATION": "sig"})

    assert settings.url == DEFAULT_PORTAL_URL and settings.api_key is None


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "STATGOUV_ORGANISATION is not set"),
        ({"STATGOUV_ORGANISATION": "sig", "STATGOUV_PORTAL_URL": "data.gouv.fr"}, "http"),
        ({"STATGOUV_ORGANISATION": "sig", "STATGOUV_PORTAL_TIMEOUT": "soon"}, "seconds"),
    ],
)
def test_wrong_settings_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        PortalSettings.from_env(environ)


def test_the_key_prints_as_stars() -> None:
    settings = PortalSettings("http://127.0.0.1:1", "sig", ApiKey(KEY))
    portal = Portal(settings)

    for text in (str(settings.api_key), repr(settings), repr(portal), f"{settings}"):
        assert (KEY in text) is False


def test_an_unreachable_portal_is_a_clear_error_without_the_key() -> None:
    settings = PortalSettings("http://127.0.0.1:9", "sig", ApiKey(KEY), timeout_seconds=1)

    with Portal(settings, retries=0) as portal, pytest.raises(PortalError) as raised:
        portal.datasets()

    text = str(raised.value)
    assert text.startswith("GET /api/1/organizations/sig/datasets/ failed: could not reach")
    assert (KEY in text) is False
    assert "object at 0x" not in text


def test_writing_without_a_key_is_refused_before_any_call(tmp_path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("x")

    with pytest.raises(SettingsError, match="STATGOUV_API_KEY"):
        Portal(PortalSettings("http://127.0.0.1:9", "sig")).upload("d", path)


@pytest.mark.parametrize("timeout", ["0", "-2", "nan"])
def test_a_portal_timeout_must_be_above_zero(timeout):
    env = {"STATGOUV_ORGANISATION": "sig", "STATGOUV_PORTAL_TIMEOUT": timeout}
    with pytest.raises(SettingsError) as raised:
        PortalSettings.from_env(env)
    assert str(raised.value) == (
        f"STATGOUV_PORTAL_TIMEOUT must be a number of seconds, above zero, not {timeout!r}"
    )
