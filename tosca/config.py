"""Turning the environment into Django settings: small pure functions, tested on their own."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

_ENGINES = {
    "sqlite": "django.db.backends.sqlite3",
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
    "mariadb": "django.db.backends.mysql",
}

TRUE_WORDS = {"1", "true", "yes", "on"}


class ConfigurationError(ValueError):
    """The environment asks for something Tosca cannot run with; the message says what to change."""


def database_from_url(url: str, *, base_dir: Path) -> dict:
    """Django's DATABASES['default'] for a DATABASE_URL.

    sqlite:///var/tosca.sqlite3 (relative to `base_dir`), sqlite:////abs/path.sqlite3,
    postgres://user:password@host:5432/name, mysql://user:password@host:3306/name (also mariadb://).
    Query parameters become connection OPTIONS (for example ?sslmode=require).
    """
    parts = urlsplit(url)
    engine = _ENGINES.get(parts.scheme)
    if engine is None:
        raise ConfigurationError(
            f"DATABASE_URL scheme {parts.scheme!r} is not supported; use sqlite, postgres or mysql/mariadb."
        )
    options = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        # sqlite:///relative and sqlite:////absolute, as everywhere else.
        raw = unquote(parts.path)
        if not raw.strip("/"):
            raise ConfigurationError("DATABASE_URL for SQLite needs a file path, e.g. sqlite:///var/tosca.sqlite3")
        name = Path(raw[1:]) if raw.startswith("//") else base_dir / raw.lstrip("/")
        # The embedded mode serves pages while a CLI import writes: WAL lets readers go on, and
        # IMMEDIATE transactions take the write lock up front instead of failing half-way.
        options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        options.setdefault("transaction_mode", "IMMEDIATE")
        return {"ENGINE": engine, "NAME": str(name), "OPTIONS": options}
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ConfigurationError(f"DATABASE_URL {redact(url)} names no database (…/DATABASE_NAME at the end).")
    config = {
        "ENGINE": engine,
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": int(options.pop("conn_max_age", 0)),
        "OPTIONS": options,
    }
    if engine.endswith("mysql"):
        # Labels are multilingual: utf8mb4 holds every character a label may contain.
        options.setdefault("charset", "utf8mb4")
    return config


def redact(url: str) -> str:
    """The URL with its password hidden, fit for an error message or a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def secret_key_from(value: str | None, key_file: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into `key_file` (local runs)."""
    if value:
        return value
    try:
        return key_file.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        key_file.touch(mode=0o600)
        key_file.write_text(key, encoding="ascii")
        return key


DESTINATION_TYPES = {"local": (), "xapi": ("endpoint",), "libretto_api": ("url", "token")}


def destinations_from(value: str | None) -> list[dict]:
    """Where evidence goes, from TOSCA_DESTINATIONS (a JSON list); by default only this instance's libretto.

    [{"name": "local", "type": "local"},
     {"name": "lrs", "type": "xapi", "endpoint": "https://lrs.example/xAPI/", "username": "…", "password": "…"},
     {"name": "regione", "type": "libretto_api", "url": "https://libretto.regione.example/", "token": "…"}]
    """
    if not value or not value.strip():
        return [{"name": "local", "type": "local"}]
    try:
        destinations = json.loads(value)
    except json.JSONDecodeError as error:
        raise ConfigurationError(f"TOSCA_DESTINATIONS is not valid JSON: {error}") from None
    if not isinstance(destinations, list):
        raise ConfigurationError("TOSCA_DESTINATIONS must be a JSON list of destinations.")
    names = set()
    for index, destination in enumerate(destinations):
        if not isinstance(destination, dict):
            raise ConfigurationError(f"TOSCA_DESTINATIONS[{index}] must be an object.")
        kind, name = destination.get("type"), destination.get("name")
        if kind not in DESTINATION_TYPES:
            raise ConfigurationError(
                f"TOSCA_DESTINATIONS[{index}]: type {kind!r} is not one of {', '.join(DESTINATION_TYPES)}."
            )
        if not isinstance(name, str) or not name or len(name) > 64 or name in names:
            raise ConfigurationError(f"TOSCA_DESTINATIONS[{index}]: give each destination a unique name (1-64 chars).")
        missing = [key for key in DESTINATION_TYPES[kind] if not destination.get(key)]
        if missing:
            raise ConfigurationError(f"TOSCA_DESTINATIONS[{index}] ({name}) needs: {', '.join(missing)}.")
        names.add(name)
    return destinations


DISPATCH_MODES = ("inline", "celery", "manual")


def dispatch_mode(value: str | None, *, broker: str | None) -> str:
    """How deliveries start: TOSCA_SYNC_DISPATCH, else `celery` with a broker and `inline` without."""
    mode = (value or "").strip() or ("celery" if broker else "inline")
    if mode not in DISPATCH_MODES:
        raise ConfigurationError(f"TOSCA_SYNC_DISPATCH must be one of {', '.join(DISPATCH_MODES)}, not {mode!r}.")
    if mode == "celery" and not broker:
        raise ConfigurationError("TOSCA_SYNC_DISPATCH=celery needs CELERY_BROKER_URL.")
    return mode


def positive_number(environ, name: str, default: float, *, kind: type = int) -> float:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, not {raw!r}.") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be above 0, not {raw!r}.")
    return value


def flag(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE_WORDS


def host_list(value: str | None, *, default: list[str]) -> list[str]:
    hosts = [host.strip() for host in (value or "").split(",") if host.strip()]
    return hosts or default
