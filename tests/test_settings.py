from pathlib import Path

import pytest

from bot.settings import SETTINGS, Settings, SettingsError

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults_without_environment() -> None:
    s = Settings.from_env({})
    assert s.db_path == Path("var/newsqa.db")
    assert s.max_question_chars == 1000
    assert s.telegram_token is None
    assert s.webhook_port == 8443


def test_values_from_mapping() -> None:
    s = Settings.from_env(
        {"NEWSQA_DB": "/tmp/x.db", "TELEGRAM_BOT_TOKEN": "123:abc", "NEWSQA_WEBHOOK_PORT": "8080"}
    )
    assert s.db_path == Path("/tmp/x.db")
    assert s.telegram_token == "123:abc"
    assert s.webhook_port == 8080


def test_token_is_not_in_repr() -> None:
    s = Settings.from_env({"TELEGRAM_BOT_TOKEN": "123:secret-token"})
    assert "secret-token" not in repr(s)


def test_bad_number_names_the_setting() -> None:
    with pytest.raises(SettingsError, match="NEWSQA_WEBHOOK_PORT must be a whole number, not 'http'"):
        Settings.from_env({"NEWSQA_WEBHOOK_PORT": "http"})


def test_bad_log_level() -> None:
    with pytest.raises(SettingsError, match="NEWSQA_LOG_LEVEL"):
        Settings.from_env({"NEWSQA_LOG_LEVEL": "LOUD"})


def test_every_setting_is_documented_in_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in text]
    assert missing == []


def test_max_file_mb() -> None:
    assert Settings.from_env({}).max_file_mb == 50
    assert Settings.from_env({"NEWSQA_MAX_FILE_MB": "200"}).max_file_mb == 200
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"NEWSQA_MAX_FILE_MB": "0"})
    assert str(caught.value) == "NEWSQA_MAX_FILE_MB must be at least 1, not 0. Fix it in the environment."


def test_answer_workers_default_to_the_cores_and_zero_means_in_process() -> None:
    import os

    assert Settings.from_env({}).answer_workers == len(os.sched_getaffinity(0))
    assert Settings.from_env({"NEWSQA_ANSWER_WORKERS": "0"}).answer_workers == 0
    assert Settings.from_env({"NEWSQA_ANSWER_WORKERS": "3"}).answer_workers == 3


def test_send_rate_defaults_to_telegrams_guidance_and_can_be_lifted() -> None:
    assert Settings.from_env({}).send_rate == 30
    assert Settings.from_env({"NEWSQA_SEND_RATE": "0"}).send_rate == 0  # no overall limit
    assert Settings.from_env({"NEWSQA_SEND_RATE": "120"}).send_rate == 120
    with pytest.raises(SettingsError, match="NEWSQA_SEND_RATE must be a whole number, not 'fast'"):
        Settings.from_env({"NEWSQA_SEND_RATE": "fast"})
