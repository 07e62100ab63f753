"""Which portal resources are published files, and under which name they are kept."""

from __future__ import annotations

import pytest

from ingest.fetch import published_name


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("www.x.gouv.fr_2024-03-01.csv", "www.x.gouv.fr_2024-03-01.csv"),
        # udata's own title for an upload that was not retitled yet
        ("www.x.gouv.fr-2024-03-01.csv", "www.x.gouv.fr_2024-03-01.csv"),
        ("WWW.X.gouv.fr_2024-03-01.CSV", "www.x.gouv.fr_2024-03-01.csv"),
        ("www.x.gouv.fr.csv", "www.x.gouv.fr.csv"),
        ("notice.txt", None),
        ("www.x.gouv.fr_2024-02-30.csv", None),
    ],
)
def test_published_names(title, name):
    assert published_name(title) == name
