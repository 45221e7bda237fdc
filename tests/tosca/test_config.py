"""Settings from the environment: DATABASE_URL, SECRET_KEY, hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tosca.config import ConfigurationError, database_from_url, host_list, redact, secret_key_from


def test_sqlite_urls_are_relative_or_absolute(tmp_path):
    assert database_from_url("sqlite:///var/x.sqlite3", base_dir=tmp_path)["NAME"] == str(tmp_path / "var/x.sqlite3")
    assert database_from_url("sqlite:////srv/tosca.sqlite3", base_dir=tmp_path)["NAME"] == "/srv/tosca.sqlite3"


def test_postgres_url_gives_every_connection_setting():
    config = database_from_url("postgres://tosca:s%40cret@db.example:6543/tosca?sslmode=require", base_dir=Path())
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"], config["NAME"]) == (
        "tosca",
        "s@cret",
        "db.example",
        "6543",
        "tosca",
    )
    assert config["OPTIONS"] == {"sslmode": "require"}


def test_mariadb_and_mysql_urls_use_utf8mb4():
    for scheme in ("mysql", "mariadb"):
        config = database_from_url(f"{scheme}://root@127.0.0.1:3306/test", base_dir=Path())
        assert config["ENGINE"] == "django.db.backends.mysql" and config["OPTIONS"]["charset"] == "utf8mb4"


@pytest.mark.parametrize("url", ["oracle://x/y", "postgres://host/", "sqlite://"])
def test_unusable_database_urls_are_refused_with_a_reason(url):
    with pytest.raises(ConfigurationError):
        database_from_url(url, base_dir=Path())


def test_passwords_never_appear_in_messages():
    assert redact("postgres://u:hunter2@h/db") == "postgres://u:***@h/db"


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    first = secret_key_from(None, key_file)
    assert len(first) > 40 and secret_key_from("", key_file) == first
    assert key_file.stat().st_mode & 0o077 == 0
    assert secret_key_from("from-env", key_file) == "from-env"


def test_allowed_hosts_come_from_a_comma_separated_list():
    assert host_list(" a.example , b.example,", default=["x"]) == ["a.example", "b.example"]
    assert host_list(None, default=["localhost"]) == ["localhost"]
