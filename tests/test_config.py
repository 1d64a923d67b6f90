from pathlib import Path

import pytest

from eczane.config import SETTINGS_DOC, Settings, SettingsError

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    missing = [n for n in SETTINGS_DOC if f"ECZANE_{n.upper()}" not in text]
    assert missing == []


def test_a_bad_boolean_is_an_error_not_a_default():
    with pytest.raises(SettingsError, match="ECZANE_DEMO: not a boolean: 'maybe'"):
        Settings.from_env({"ECZANE_DEMO": "maybe"})


def test_values_come_from_the_environment():
    s = Settings.from_env({"ECZANE_ITS_BATCH_SIZE": "250", "ECZANE_DEMO": "evet"})
    assert s.its_batch_size == 250 and s.demo is True


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path):
    s = Settings(data_dir=tmp_path)
    assert s.effective_database_url == f"sqlite:///{tmp_path / 'eczane.sqlite3'}"


def test_the_upload_limit_is_a_positive_number_of_megabytes():
    assert Settings.from_env({"ECZANE_MAX_UPLOAD_MB": "5"}).max_upload_mb == 5
    assert Settings().max_upload_mb == 100
    with pytest.raises(SettingsError, match="ECZANE_MAX_UPLOAD_MB: must be at least 1: '0'"):
        Settings.from_env({"ECZANE_MAX_UPLOAD_MB": "0"})
