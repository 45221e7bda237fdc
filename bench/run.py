"""`make bench`: the repertory (ESCO-scale import, picker search) and the evidence pipeline, on SQLite and PostgreSQL.

Prints, per database: nodes/s, total import seconds, peak memory, and p50/p95 latency of 200 picker searches.
Targets (issue 2): full import under 20 s on SQLite, search p95 under 20 ms. Figures are printed, not asserted.

Each database is measured in its own process, so peak memory is that import's alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.child import drop_postgres_database, measure_in_child, postgres_bench_url

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "esco"
BENCH_DATABASE = "tosca_bench"
TARGET_IMPORT_SECONDS = 20.0
TARGET_SEARCH_P95_MS = 20.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres-url",
        default="postgres://postgres@127.0.0.1:5432/test",
        help="an existing PostgreSQL database to connect to; the benchmark creates and drops "
        f"its own database {BENCH_DATABASE!r} next to it",
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--only", choices=["repertory", "evidence"], help="run one of the two benchmarks")
    parser.add_argument("--measure", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        return measure(options.database_url)

    sys.path.insert(0, str(ROOT))
    if options.only != "evidence":
        repertory_benchmark(options)
    if options.only != "repertory":
        evidence_benchmark(options)
    return 0


def repertory_benchmark(options) -> None:
    from bench.generate_esco import generate

    started = time.perf_counter()
    dataset = generate(DATA)
    (DATA / "queries.json").write_text(json.dumps(list(dataset.queries), ensure_ascii=False), encoding="utf-8")
    print(
        f"dataset: {dataset.skill_count:,} skills, {dataset.occupation_count:,} occupations, "
        f"{dataset.relation_count:,} relations ({time.perf_counter() - started:.1f} s to generate)"
    )

    results = []
    with tempfile.TemporaryDirectory() as scratch:
        results.append(run_child("sqlite", f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"))
    if not options.skip_postgres:
        postgres = postgres_bench_url(options.postgres_url, BENCH_DATABASE)
        if postgres is None:
            print(f"postgres: skipped, {options.postgres_url} is not reachable")
        else:
            try:
                results.append(run_child("postgres", postgres))
            finally:
                drop_postgres_database(options.postgres_url, BENCH_DATABASE)
    print()
    print(
        f"{'database':<10} {'nodes':>7} {'links':>8} {'import s':>9} {'nodes/s':>8} {'peak MB':>8} "
        f"{'search p50 ms':>14} {'p95 ms':>7}"
    )
    for result in results:
        print(
            f"{result['database']:<10} {result['nodes']:>7,} {result['links']:>8,} {result['seconds']:>9.1f} "
            f"{result['nodes'] / result['seconds']:>8,.0f} {result['peak_mb']:>8.0f} "
            f"{result['p50_ms']:>14.2f} {result['p95_ms']:>7.2f}"
        )
    for result in results:
        print(
            f"{result['database']}: import {result['seconds'] / TARGET_IMPORT_SECONDS:.0%} of the "
            f"{TARGET_IMPORT_SECONDS:.0f} s target; search p95 {result['p95_ms'] / TARGET_SEARCH_P95_MS:.0%} of the "
            f"{TARGET_SEARCH_P95_MS:.0f} ms target"
        )


def evidence_benchmark(options) -> None:
    from bench import evidence

    print()
    with tempfile.TemporaryDirectory() as scratch:
        databases = {"sqlite": f"sqlite:///{Path(scratch) / 'evidence.sqlite3'}"}
        postgres = None if options.skip_postgres else postgres_bench_url(options.postgres_url, BENCH_DATABASE)
        if postgres:
            databases["postgres"] = postgres
        try:
            evidence.main(databases)
        finally:
            if postgres:
                drop_postgres_database(options.postgres_url, BENCH_DATABASE)


def run_child(name: str, database_url: str) -> dict:
    print(f"{name}: importing …", flush=True)
    environment = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tosca.settings"}
    result = measure_in_child(__file__, ["--measure", name, "--database-url", database_url], environment, name)
    print(f"{name}: {result['nodes']:,} nodes and {result['links']:,} links in {result['seconds']:.1f} s")
    return result


def measure(database_url: str) -> int:
    """In the child: migrate an empty database, import, search; print one JSON line."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import translation

    from repertory import api
    from repertory.data import Format

    call_command("migrate", verbosity=0, interactive=False)
    translation.activate("it")
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = api.import_framework(DATA, source_format=Format.ESCO_CSV, version="bench")
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    from repertory.models import Association

    queries = json.loads((DATA / "queries.json").read_text(encoding="utf-8"))
    for query in queries[:20]:  # warm the caches as a running server would have them
        api.search_competences(query)
    latencies = []
    for query in queries:
        begun = time.perf_counter()
        api.search_competences(query)
        latencies.append((time.perf_counter() - begun) * 1000)
    latencies.sort()
    print(
        json.dumps(
            {
                "database": sys.argv[sys.argv.index("--measure") + 1],
                "nodes": len(report.added),
                "links": Association.objects.count(),
                "seconds": seconds,
                "peak_mb": peak_kb / 1024,
                "import_mb": (peak_kb - baseline) / 1024,
                "p50_ms": statistics.median(latencies),
                "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
