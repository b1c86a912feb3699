import pytest

from app.core.config.file import parse_config
from app.errors import ConfigError


def test_empty_file_gives_defaults() -> None:
    config = parse_config("")
    assert config.gate.applies_to == "ai"
    assert "F821" in config.checks.ruff.select


def test_valid_file_is_read() -> None:
    config = parse_config("gate:\n  applies_to: all\n  fail_on: warning\n")
    assert (config.gate.applies_to, config.gate.fail_on) == ("all", "warning")


def test_unknown_key_names_its_line_and_column() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("gate:\n  applies_to: all\n  fail_onn: warning\n")
    assert (info.value.line, info.value.column) == (3, 3)
    assert "gate.fail_onn" in str(info.value)
    assert "spelling" in info.value.hint


def test_bad_value_names_its_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("checks:\n  ruff:\n    enabled: maybe\n")
    assert info.value.line == 3


def test_yaml_syntax_error_names_its_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("gate:\n  applies_to: [all\n")
    assert info.value.line is not None
    assert "YAML syntax error" in str(info.value)


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError, match="mapping"):
        parse_config("- a\n- b\n")
