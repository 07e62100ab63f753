"""The documentation: dbt's, complete, and the README's queries, runnable as written."""

from __future__ import annotations

import re
import subprocess

import duckdb
import pytest

from tests.dbt_artifacts import ROOT, generate_docs

README = ROOT / "README.md"
DBT_COVERAGE = ROOT / ".venv" / "bin" / "dbt-coverage"
SQL_BLOCK = re.compile(r"^```sql\n(.*?)^```", re.MULTILINE | re.DOTALL)
RETURNS = re.compile(r"^-- returns: (.+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def docs(sample_run):
    assert sample_run.returncode == 0, sample_run.output
    generated = generate_docs(sample_run.warehouse)
    assert generated.returncode == 0, generated.output
    return generated


def test_dbt_docs_generate_writes_the_manifest_and_the_catalog(docs):
    assert docs.manifest["nodes"]
    assert docs.catalog["nodes"]
    assert docs.catalog.get("errors") in (None, [])


def test_every_column_of_every_table_is_described(docs, tmp_path):
    done = subprocess.run(
        [
            str(DBT_COVERAGE),
            "compute",
            "doc",
            "--project-dir",
            str(ROOT),
            "--run-artifacts-dir",
            str(docs.target),
            "--cov-report",
            str(tmp_path / "coverage.json"),
            "--cov-fail-under",
            "1.0",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    short = [line for line in done.stdout.splitlines() if re.search(r"\d/\d+\s+\d", line)]
    short = [line for line in short if not line.rstrip().endswith("100.0%")]
    assert done.returncode == 0, "\n".join(short) or done.stdout + done.stderr
    assert re.search(r"^Total\s+(\d+)/\1\s+100\.0%$", done.stdout, re.MULTILINE), done.stdout


def test_every_model_and_declared_column_has_a_description(docs):
    """Ephemeral models are in no catalog: the manifest says whether they are described."""
    undescribed = []
    for node in docs.manifest["nodes"].values():
        if node["resource_type"] not in {"model", "seed"} or node["package_name"] != "statgouv":
            continue
        if not node["description"].strip():
            undescribed.append(node["name"])
        undescribed += [
            f"{node['name']}.{name}"
            for name, column in node["columns"].items()
            if not column["description"].strip()
        ]
    assert undescribed == []


def test_the_declared_columns_are_the_columns_of_each_table(docs):
    """The tests' scope reads a model's columns from its YAML: they must be the table's."""
    catalog = docs.catalog["nodes"]
    differing = {}
    for unique_id, node in docs.manifest["nodes"].items():
        if node["resource_type"] not in {"model", "seed"} or unique_id not in catalog:
            continue  # ephemeral models have no table
        declared = {name.lower() for name in node["columns"]}
        actual = {name.lower() for name in catalog[unique_id]["columns"]}
        if declared != actual:
            differing[node["name"]] = (sorted(declared - actual), sorted(actual - declared))
    assert differing == {}
    tables = [
        unique_id
        for unique_id, node in docs.manifest["nodes"].items()
        if node["resource_type"] in {"model", "seed"}
        and node["config"]["materialized"] != "ephemeral"
    ]
    assert len(tables) > 30
    assert [unique_id for unique_id in tables if unique_id not in catalog] == []


def test_the_exports_and_the_publication_are_exposures(docs):
    exposures = {exposure["name"]: exposure for exposure in docs.manifest["exposures"].values()}
    assert {"published_extracts", "portal_publication"} <= set(exposures)
    for exposure in exposures.values():
        assert exposure["description"].strip()
        assert exposure["depends_on"]["nodes"]


def readme_queries() -> list[str]:
    return [block.strip() for block in SQL_BLOCK.findall(README.read_text(encoding="utf-8"))]


def test_the_readme_answers_the_analysts_questions():
    text = "\n".join(readme_queries()).lower()
    for table in (
        "agg_ministry_visits_monthly",
        "agg_device_shares_by_period",
        "agg_top_pages_by_period",
    ):
        assert f"marts.{table}" in text


@pytest.mark.parametrize("query", readme_queries(), ids=lambda query: query.splitlines()[0][:60])
def test_a_readme_query_runs_as_written(sample_run, query):
    assert sample_run.returncode == 0, sample_run.output
    returns = RETURNS.search(query)
    assert returns is not None, "a README query says what it returns in a '-- returns:' line"
    expected = [name.strip() for name in returns.group(1).split(",")]

    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    try:
        result = con.execute(query)
        columns = [description[0] for description in result.description]
        rows = result.fetchall()
    finally:
        con.close()
    assert columns == expected
    assert rows, "the query returns no row on the sample"
