"""Test-wide set-up: which database the run uses, and what happens when a service is missing.

`make test` runs the whole suite on SQLite, then the database-touching tests again with DATABASE_URL
pointing at PostgreSQL and at MariaDB (`--database-tests-only`). A database that cannot be reached skips
that run with the reason, except with CI=true, where it fails: CI must exercise every database.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.peers.availability import IN_CI

pytest_plugins = [
    "tests.peers.fixtures",
    "tests.peers.browser_fixtures",
    "tests.peers.workbench_fixtures",
    "tests.peers.lti_fixtures",
    "tests.peers.scorm_fixtures",
]

FIXTURES = Path(__file__).parent / "fixtures"
DB_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "client",
    "admin_client",
    "django_user_model",
    "admin_user",
    "live_server",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that touch the database (used for PostgreSQL and MariaDB runs)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config._tosca_unavailable = _unavailable_database()
    if config._tosca_unavailable and IN_CI:
        pytest.exit(f"CI=true but the test database is not usable: {config._tosca_unavailable}", returncode=3)


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('HOST') or ''} {database['NAME']}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--database-tests-only"):
        selected = [item for item in items if _touches_database(item)]
        deselected = [item for item in items if not _touches_database(item)]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = selected
    reason = config._tosca_unavailable
    if reason:
        for item in items:
            if _touches_database(item):
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_collection_finish(session: pytest.Session) -> None:
    from tests.peers import prebuild

    prebuild.start(item.nodeid for item in session.items)


def _touches_database(item: pytest.Item) -> bool:
    """Whether the test is one to run again on PostgreSQL and MariaDB: it uses the database, and is not marked
    `storage_only` (the database only holds its fixtures: a browser or a peer is what the test is about)."""
    if item.get_closest_marker("storage_only") is not None:
        return False
    return (
        bool(DB_FIXTURES & set(getattr(item, "fixturenames", ()))) or item.get_closest_marker("django_db") is not None
    )


def _unavailable_database() -> str | None:
    """Why the configured database cannot be used (None when it can): SQLite always can."""
    url = os.environ.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite"):
        return None
    from tosca.config import database_from_url, redact

    config = database_from_url(url, base_dir=Path.cwd())
    engine = config["ENGINE"].rsplit(".", 1)[-1]
    where = f"{redact(url)}"
    try:
        if engine == "postgresql":
            import psycopg

            psycopg.connect(
                dbname=config["NAME"],
                user=config["USER"],
                password=config["PASSWORD"],
                host=config["HOST"],
                port=config["PORT"] or 5432,
                connect_timeout=3,
            ).close()
        else:
            try:
                import MySQLdb
            except ImportError:
                return (
                    "mysqlclient is not installed, so MariaDB cannot be tested "
                    "(Debian: apt install libmariadb-dev pkg-config, then touch setup.cfg && make test)"
                )
            MySQLdb.connect(
                db=config["NAME"],
                user=config["USER"],
                password=config["PASSWORD"],
                host=config["HOST"],
                port=int(config["PORT"] or 3306),
                connect_timeout=3,
            ).close()
    except Exception as error:
        return f"{engine} at {where} is not reachable: {error}".strip()
    return None


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path) -> None:
    """Uploaded documents of a test go to its own folder, never to the checkout's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_competence_cache():
    """Each test's database starts empty: URIs a previous test imported are not known any more."""
    from repertory import api

    api.forget_known_competences()
    yield
    api.forget_known_competences()


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory) -> None:
    """SQLite test databases live in a file, so that dispatcher and worker processes the tests start share it."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")


@pytest.fixture
def database_url() -> str:
    """DATABASE_URL of the test database, for the processes a test starts (dispatchers, workers, servers)."""
    from django.db import connection

    settings_dict = connection.settings_dict
    engine = settings_dict["ENGINE"].rsplit(".", 1)[-1]
    if engine == "sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    scheme = "postgres" if engine == "postgresql" else "mysql"
    credentials = settings_dict["USER"] + (f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else "")
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"{scheme}://{credentials}@{settings_dict['HOST']}{port}/{settings_dict['NAME']}"


# -- shared data: the repertories most tests start from ---------------------------------------------------

DEMO = Path(__file__).parent.parent / "tosca" / "demo" / "repertorio-toscana-demo.csv"


@pytest.fixture
def rrfp_v1(db):
    from repertory import api

    return api.import_framework(FIXTURES / "rrfp-v1.csv", source_format="rrfp-csv")


@pytest.fixture
def demo(db):
    from repertory import api

    return api.import_framework(DEMO, source_format="rrfp-csv")


@pytest.fixture
def esco(db):
    from repertory import api

    return api.import_framework(FIXTURES / "esco", source_format="esco-csv")
