"""The `partywire` command line, as an operator or a newcomer uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.terminal import sample_texts

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted(str(path) for path in (ROOT / "bot" / "data" / "samples").glob("*.txt"))


@pytest.fixture
def config(tmp_path: Path) -> str:
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  path: partywire.sqlite3\n", encoding="utf-8")
    return str(path)


def test_the_demo_answers_commands_piped_to_it():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        input="/party KKE\n/meeting 21\n/subscribe KKE\n/feed KKE calls a general strike\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Communist Party of Greece (KKE), Greece")
    assert "21st International Meeting" in result.stdout
    assert "[push to demo] New statement\n\nKKE calls a general strike" in result.stdout


def test_ingest_json_prints_what_each_statement_names(config, capsys):
    assert main(["ingest", "--config", config, "--dry-run", "--json", *SAMPLES]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == sum(
        len([row for row in text.splitlines() if row.strip()]) for _, text in sample_texts()
    )
    ten = next(
        r
        for r in records
        if r["text"].startswith("Statements by the Communist and Workers' parties")
    )
    assert {"TKP", "SACP", "KKE", "CPUSA", "PKP-1930", "AKEL"} <= {
        p["abbreviation"] for p in ten["parties"]
    }
    assert set(ten["ambiguous"]) <= {"CPP", "PCP", "PCC"}
    appeal = next(r for r in records if r["text"].startswith("The appeal of the 21st"))
    assert appeal["meeting"] == 21


def test_ingest_stores_the_header_lines_of_both_samples_once(config, capsys):
    assert main(["ingest", "--config", config, *SAMPLES]) == 0
    assert main(["ingest", "--config", config, *SAMPLES]) == 0
    assert main(["export", "--config", config]) == 0
    texts = [json.loads(line)["text"] for line in capsys.readouterr().out.splitlines()]
    assert (
        texts.count(
            "The appeal of the 21st International Meeting of Communist and Workers' Parties"
        )
        == 1
    )
    assert len(texts) == len(set(texts))


def test_db_commands_back_up_check_and_migrate(config, tmp_path, capsys):
    assert main(["ingest", "--config", config, *SAMPLES]) == 0
    assert main(["db", "backup", str(tmp_path / "copy.sqlite3"), "--config", config]) == 0
    assert (tmp_path / "copy.sqlite3").stat().st_size > 0
    assert main(["db", "backup", str(tmp_path / "copy.sqlite3"), "--config", config]) == 2
    assert main(["db", "--config", config, "check"]) == 0
    assert main(["db", "migrate", "--config", config]) == 0
    assert "schema version" in capsys.readouterr().out


def test_a_broken_config_stops_with_the_key_named(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("telegram:\n  tokn: x\n", encoding="utf-8")
    assert main(["run", "--config", str(path)]) == 2
    assert "telegram.tokn: unknown key" in capsys.readouterr().err


def test_run_without_a_platform_says_so_and_fails(config, capsys):
    assert main(["run", "--config", config]) == 2
    assert "no chat platform is configured" in capsys.readouterr().err


def test_parties_lists_a_country(config, capsys):
    assert main(["parties", "--country", "Greece", "--config", config]) == 0
    assert "Communist Party of Greece\tKKE" in capsys.readouterr().out
    assert main(["parties", "--country", "Atlantis"]) == 1
