from pathlib import Path

from app.configdocs import SCHEMA_PATH, render_readme, schema_text


def test_readme_reference_is_up_to_date() -> None:
    readme = Path("README.md").read_text()
    assert render_readme(readme) == readme, "run `ai-gate config docs` and commit the result"


def test_published_schema_is_up_to_date() -> None:
    assert SCHEMA_PATH.read_text() == schema_text(), "run `ai-gate config docs`"
