from pathlib import Path

from app.configdocs import SCHEMA_PATH, render_readme, schema_text


def test_readme_reference_is_up_to_date() -> None:
    readme = Path("README.md").read_text()
    assert render_readme(readme) == readme, "run `ai-gate config docs` and commit the result"


def test_published_schema_is_up_to_date() -> None:
    assert SCHEMA_PATH.read_text() == schema_text(), "run `ai-gate config docs`"


def test_the_readme_example_files_are_valid_configuration() -> None:
    import re

    from app.core.config.file import read_document, validate

    readme = Path("README.md").read_text()
    examples = re.findall(r"```yaml\n(# [^\n]*\.ai-gate\.yml[^\n]*\n.*?)```", readme, re.S)
    examples += re.findall(r"```yaml\n(# \.github repository.*?)```", readme, re.S)
    assert len(examples) >= 2
    for text in examples:
        doc = read_document(text, "README.md")
        floor = doc.data.get("_floor")
        validate(doc.data, doc.node, "README.md")
        if isinstance(floor, dict):
            validate(floor, None, "README.md _floor")


def test_the_schema_has_an_id_that_the_readmes_editor_line_names() -> None:
    import json
    import re

    import jsonschema
    import yaml

    from app.configdocs import SCHEMA_ID

    schema = json.loads(schema_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == SCHEMA_ID
    readme = Path("README.md").read_text()
    example = re.search(r"```yaml\n(# yaml-language-server: \$schema=(\S+)\n.*?)```", readme, re.S)
    assert example is not None
    assert example.group(2) == SCHEMA_ID
    # The example itself is a valid file for the schema the line names.
    jsonschema.validate(yaml.safe_load(example.group(1)), schema)
