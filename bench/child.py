"""What the benchmarks share. Each measures in a fresh process of its own, so that memory and caches are that
measurement's alone, and on PostgreSQL in a database of its own, created and dropped next to the given one."""

from __future__ import annotations

import json
import subprocess
import sys


def measure_in_child(script: str, arguments: list[str], environment: dict, what: str) -> dict:
    """Run `script` with `arguments`; its last output line is the JSON of its figures."""
    completed = subprocess.run(
        [sys.executable, script, *arguments], env=environment, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"{what}: the benchmark failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def postgres_bench_url(url: str, database: str) -> str | None:
    """A fresh database `database` next to `url` for a benchmark, or None when PostgreSQL is not reachable."""
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {database}")
            connection.execute(f"CREATE DATABASE {database}")
    except psycopg.Error:
        return None
    return url.rsplit("/", 1)[0] + f"/{database}"


def drop_postgres_database(url: str, database: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {database}")
