"""A config file is checked whole at start, and its errors name the key at fault."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import pytest
import yaml

from bot.config import Config, ConfigError, load_config

EXAMPLE = Path(__file__).parent.parent / "config.example.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_means_every_default():
    assert load_config(None) == Config()


def test_the_example_config_loads():
    config = load_config(EXAMPLE, environ={"PARTYWIRE_TELEGRAM_TOKEN": "123:secret"})
    assert config.telegram.token == "123:secret"
    assert config.matrix.password == ""
    assert config.directory.extra_parties[0].name == "Communist Party of Atlantis"
    assert config.database_path == EXAMPLE.parent / "data" / "partywire.sqlite3"


def _documented_keys(kind, prefix: str = "") -> set[str]:
    keys = set()
    for field in dataclasses.fields(kind):
        if field.metadata.get("internal"):
            continue
        key = f"{prefix}{field.name}"
        keys.add(key)
        hint = typing.get_type_hints(kind)[field.name]
        inner = typing.get_args(hint)[0] if typing.get_origin(hint) is tuple else hint
        if dataclasses.is_dataclass(inner):
            keys |= _documented_keys(inner, f"{key}.")
    return keys


def _keys_in(value, prefix: str = "") -> set[str]:
    if isinstance(value, list):
        return set().union(*(_keys_in(v, prefix) for v in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    keys = set()
    for name, inner in value.items():
        keys.add(f"{prefix}{name}")
        keys |= _keys_in(inner, f"{prefix}{name}.")
    return keys


def test_the_example_documents_every_key():
    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert _documented_keys(Config) <= _keys_in(example)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("databse:\n  path: x\n", "databse: unknown key"),
        ("database:\n  paht: x\n", "database.paht: unknown key"),
        ("logging:\n  level: LOUD\n", "logging.level: expected one of"),
        ("database: [1, 2]\n", "database: expected a mapping"),
        (
            "directory:\n  extra_parties:\n    - name: X\n",
            "directory.extra_parties[0].country: missing",
        ),
        (
            "directory:\n  extra_parties:\n    - {name: X, country: Y, abbreviations: ABC}\n",
            "extra_parties[0].abbreviations: expected a list",
        ),
        ("database:\n  path: [\n", "not valid YAML"),
        ("- just\n- a list\n", "the file: expected a mapping"),
    ],
)
def test_a_wrong_key_or_value_is_named(tmp_path, text, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(write(tmp_path, text), environ={})


def test_environment_variables_fill_secrets_and_a_missing_one_is_named(tmp_path):
    path = write(tmp_path, "database:\n  path: ${DB_PATH}\nlogging:\n  level: ${LEVEL:-DEBUG}\n")
    config = load_config(path, environ={"DB_PATH": "/srv/pw.sqlite3"})
    assert config.database.path == "/srv/pw.sqlite3"
    assert config.logging.level == "DEBUG"
    with pytest.raises(
        ConfigError, match=re.escape("database.path: environment variable DB_PATH is not set")
    ):
        load_config(path, environ={})


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "nope.yaml")
