"""The evidence pipeline under load: 10,000 completions recorded, then delivered to the libretto and to Ralph.

Prints: recording rate (evidence/s), delivery rate to the local libretto and to a real xAPI LRS (Ralph),
and end-to-end latency (recorded -> delivered) p50/p95 while a dispatcher process runs alongside.
Targets (issue 3): recording at least 1,000/s, delivery to the LRS at least 300/s on a 2-core machine.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPLETIONS = 10_000
PACED = 1_000
TARGET_RECORDING = 1_000
TARGET_LRS = 300


def main(database_urls: dict[str, str]) -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from bench.child import measure_in_child
    from tests.peers.ralph import RalphServer

    results = []
    with tempfile.TemporaryDirectory() as scratch, RalphServer().start(Path(scratch) / "ralph") as ralph:
        for name, url in database_urls.items():
            print(f"evidence on {name}: recording {COMPLETIONS:,} completions …", flush=True)
            destinations = [
                {"name": "local", "type": "local"},
                {
                    "name": "lrs",
                    "type": "xapi",
                    "endpoint": ralph.endpoint,
                    "username": ralph.username,
                    "password": ralph.password,
                    "batch_size": 500,
                },
            ]
            environment = {
                **os.environ,
                "DATABASE_URL": url,
                "TOSCA_DESTINATIONS": json.dumps(destinations),
                "TOSCA_SYNC_DISPATCH": "manual",
                "TOSCA_VAR_DIR": str(Path(scratch) / name),
                "DJANGO_SETTINGS_MODULE": "tosca.settings",
            }
            results.append(measure_in_child(__file__, ["--measure", name], environment, f"evidence on {name}"))
    print()
    print(f"{'database':<10} {'record/s':>9} {'local/s':>9} {'LRS/s':>8} {'e2e p50 ms':>11} {'e2e p95 ms':>11}")
    for result in results:
        print(
            f"{result['database']:<10} {result['recording']:>9,.0f} {result['local']:>9,.0f} {result['lrs']:>8,.0f} "
            f"{result['p50_ms']:>11,.0f} {result['p95_ms']:>11,.0f}"
        )
    for result in results:
        print(
            f"{result['database']}: recording {result['recording'] / TARGET_RECORDING:.0%} of the "
            f"{TARGET_RECORDING:,}/s target; LRS delivery {result['lrs'] / TARGET_LRS:.0%} of the {TARGET_LRS}/s target"
        )
    return results


def measure(name: str) -> None:
    """In the child process: a fresh database, the demo repertory, then the three measurements."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from repertory import api as repertory
    from sync import api
    from sync.models import Delivery, Evidence

    call_command("migrate", verbosity=0, interactive=False)
    repertory.import_framework(ROOT / "tosca" / "demo" / "repertorio-toscana-demo.csv", source_format="rrfp-csv")
    units = [match.ref.uri for match in repertory.search_competences("a", kinds=["competence_unit"], limit=30).results]
    moment = timezone.now() - timedelta(hours=1)
    run = os.urandom(4).hex()

    started = time.perf_counter()
    for number in range(COMPLETIONS):
        api.record_module_completion(
            f"learner-{number % 500}",
            f"{run}-module-{number}",
            moment,
            0.8,
            [units[number % len(units)], units[(number + 1) % len(units)]],
            module_title=f"Modulo {number}",
        )
    recording = COMPLETIONS / (time.perf_counter() - started)

    started = time.perf_counter()
    local = api.deliver_due(destination="local").delivered / (time.perf_counter() - started)
    started = time.perf_counter()
    lrs = api.deliver_due(destination="lrs").delivered / (time.perf_counter() - started)

    # End to end: a dispatcher process works alongside while completions arrive at a steady pace.
    dispatcher = subprocess.Popen(
        [sys.executable, "-m", "tosca.cli", "sync", "run", "--loop", "0.05"],
        env=os.environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for number in range(PACED):
            api.record_module_completion(
                f"learner-{number % 500}", f"{run}-paced-{number}", moment, None, [units[number % len(units)]]
            )
            time.sleep(0.004)
        deadline = time.monotonic() + 300
        paced = Delivery.objects.filter(evidence__module__startswith=f"{run}-paced-")
        while paced.exclude(state="delivered").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        dispatcher.terminate()
        dispatcher.wait(timeout=30)
    recorded = dict(Evidence.objects.filter(module__startswith=f"{run}-paced-").values_list("id", "recorded_at"))
    latencies = sorted(
        (delivery.delivered_at - recorded[delivery.evidence_id]).total_seconds() * 1000
        for delivery in paced.filter(state="delivered")
    )
    print(
        json.dumps(
            {
                "database": name,
                "recording": recording,
                "local": local,
                "lrs": lrs,
                "p50_ms": statistics.median(latencies),
                "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
                "delivered_paced": len(latencies),
            }
        )
    )


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure(sys.argv[sys.argv.index("--measure") + 1])
    else:
        with tempfile.TemporaryDirectory() as folder:
            main({"sqlite": f"sqlite:///{folder}/bench-evidence.sqlite3"})
