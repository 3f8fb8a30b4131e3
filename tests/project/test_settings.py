"""Settings come from the environment; production refuses to start half-configured."""

import os
import subprocess
import sys

import pytest

PROD = {
    "DOORSTEP_DEBUG": "0",
    "DOORSTEP_SECRET_KEY": "x" * 64 + "-prod-secret-key-for-the-check-only",
    "DOORSTEP_PII_KEY": "cHJvZHVjdGlvbi1rZXktZm9yLWNoZWNrLW9ubHktMDEyMzQ1Njc4OQ==",
    "DOORSTEP_ALLOWED_HOSTS": "doorstep.example.org",
}


def doorstep(*args: str, env: dict, tmp_path) -> subprocess.CompletedProcess:
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE must not leak into a production check.
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DOORSTEP_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    full.update(env, DOORSTEP_DATA_DIR=str(tmp_path))
    return subprocess.run(
        [sys.executable, "-m", "doorstep", *args], env=full, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = doorstep("check", "--deploy", "--fail-level", "WARNING", env=PROD, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["DOORSTEP_SECRET_KEY", "DOORSTEP_PII_KEY"])
def test_production_without_a_key_refuses_to_start(tmp_path, missing):
    env = {k: v for k, v in PROD.items() if k != missing}
    result = doorstep("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert missing in result.stderr


def test_database_url_selects_postgresql(tmp_path):
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    env = {"DOORSTEP_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/whatever"}
    result = doorstep("shell", "--no-imports", "-c", code, env=env, tmp_path=tmp_path)
    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr


def test_default_database_is_sqlite_in_wal_mode(tmp_path):
    code = (
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0], connection.settings_dict['NAME'])"
    )
    result = doorstep("shell", "--no-imports", "-c", code, env={}, tmp_path=tmp_path)
    mode, name = result.stdout.split()
    assert mode == "wal", result.stderr
    assert name == str(tmp_path / "doorstep.sqlite3")
