"""Courses in Tosca's own runtime: importing a 100-module OLX course, rendering a module page, quiz submissions.

Prints, per database (SQLite, and PostgreSQL when reachable): seconds and blocks for importing a synthetic
100-module course archive, p50/p95 of 200 renders of the demo course's module m1 for a learner who answered its
quiz, and quiz submissions per second through the real handler view (500 signed-in POSTs). Renders and submissions
stop early (never under 50) after 15 s each, so that the whole benchmark stays near 90 s; the counts are printed.
Targets: import under 10 s, module render p95 under 100 ms. Figures are printed, not asserted.

Run as `.venv/bin/python -m bench.courses`; each database is measured in a fresh process of its own.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.child import drop_postgres_database, measure_in_child, postgres_bench_url  # noqa: E402

BENCH_DATABASE = "tosca_bench_courses"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"
DEMO_COURSE = ROOT / "tosca" / "demo" / "course"
DEMO_KEY = "course-v1:RegioneToscana+TRIO-RETI+2026"
SYNTHETIC_KEY = "course-v1:Bench+SYNTH100+run"
MODULES = 100
RENDERS = 200
SUBMISSIONS = 500
BUDGET_SECONDS = 15.0  # per measurement and database, so that the whole benchmark stays near 90 s
MINIMUM_SAMPLES = 50
COMPETENCES = (
    "urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-1010",
    "urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-1027",
)
TARGET_IMPORT_SECONDS = 10.0
TARGET_RENDER_P95_MS = 100.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL,
        help="an existing PostgreSQL database to connect to; the benchmark creates and drops "
        f"its own database {BENCH_DATABASE!r} next to it",
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        return measure(options.measure)

    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        results.append(run_child("sqlite", f"sqlite:///{Path(scratch) / 'courses.sqlite3'}", Path(scratch)))
        if not options.skip_postgres:
            postgres = postgres_bench_url(options.postgres_url, BENCH_DATABASE)
            if postgres is None:
                print(f"courses on postgres: skipped, {options.postgres_url} is not reachable")
            else:
                try:
                    results.append(run_child("postgres", postgres, Path(scratch)))
                finally:
                    drop_postgres_database(options.postgres_url, BENCH_DATABASE)
    print()
    print(
        f"{'database':<10} {'blocks':>7} {'import s':>9} {'blocks/s':>9} "
        f"{'render p50 ms':>14} {'p95 ms':>7} {'submit/s':>9}"
    )
    for result in results:
        print(
            f"{result['database']:<10} {result['blocks']:>7,} {result['import_seconds']:>9.2f} "
            f"{result['blocks'] / result['import_seconds']:>9,.0f} "
            f"{result['render_p50_ms']:>14.2f} {result['render_p95_ms']:>7.2f} {result['submits_per_second']:>9,.0f}"
        )
    for result in results:
        print(
            f"{result['database']}: import {result['import_seconds'] / TARGET_IMPORT_SECONDS:.0%} of the "
            f"{TARGET_IMPORT_SECONDS:.0f} s target; render p95 {result['render_p95_ms'] / TARGET_RENDER_P95_MS:.0%} "
            f"of the {TARGET_RENDER_P95_MS:.0f} ms target ({result['renders']} renders, {result['render_via']}); "
            f"{result['submits']} quiz submissions, {result['submit_p95_ms']:.1f} ms p95"
        )
    print(f"courses benchmark: {time.perf_counter() - started:.0f} s in all")
    return 0


def run_child(name: str, database_url: str, scratch: Path) -> dict:
    print(f"courses on {name}: importing, rendering, submitting …", flush=True)
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "tosca.settings",
        "TOSCA_VAR_DIR": str(scratch / name),
        "ALLOWED_HOSTS": "localhost,testserver",
    }
    result = measure_in_child(__file__, ["--measure", name], environment, f"courses on {name}")
    print(
        f"courses on {name}: {result['modules']} modules, {result['blocks']} blocks, {result['assets']} assets "
        f"imported in {result['import_seconds']:.2f} s"
    )
    return result


# -- the synthetic course -----------------------------------------------------------------------------


def synthetic_archive(modules: int = MODULES) -> bytes:
    """A `.tar.gz` Open edX-style export: `modules` chapters, each pointing through a sequential and a vertical
    to a tosca_module file with two tosca_html, a captioned tosca_video and a 4-choice unlimited tosca_quiz."""
    files: dict[str, bytes] = {
        "course.xml": b'<course url_name="run" org="Bench" course="SYNTH100"/>',
        "about/short_description.html": b"<p>A synthetic course for the benchmark.</p>",
        "static/clip.webm": os.urandom(16 * 1024),
        "static/clip.it.vtt": b"WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nBenvenute e benvenuti.\n",
    }
    outline = ['<course display_name="Corso sintetico di 100 moduli" language="it">']
    paragraph = "<p>" + "Testo del modulo per la misura delle prestazioni. " * 20 + "</p>"
    for number in range(1, modules + 1):
        name = f"m{number}"
        outline.append(
            f'<chapter url_name="c{number}" display_name="Capitolo {number}">'
            f'<sequential url_name="s{number}" display_name="Sequenza {number}">'
            f'<vertical url_name="v{number}" display_name="Unità {number}">'
            f'<tosca_module url_name="{name}"/></vertical></sequential></chapter>'
        )
        files[f"tosca_module/{name}.xml"] = f"""<tosca_module display_name="Modulo {number}" \
description="Modulo sintetico numero {number}." estimated_hours="1" min_score="0.6">
  <competence uri="{COMPETENCES[0]}" role="develops"/>
  <competence uri="{COMPETENCES[1]}" role="assesses"/>
  <tosca_html url_name="{name}-intro" display_name="Introduzione {number}"><![CDATA[<h3>Introduzione</h3>\
{paragraph}]]></tosca_html>
  <tosca_video url_name="{name}-video" display_name="Video {number}">
    <source src="/static/clip.webm" type="video/webm"/>
    <track kind="captions" src="/static/clip.it.vtt" srclang="it" label="Italiano"/>
    <transcript><![CDATA[<p>Benvenute e benvenuti.</p>]]></transcript>
  </tosca_video>
  <tosca_html url_name="{name}-more" display_name="Approfondimento {number}"><![CDATA[<h3>Approfondimento</h3>\
{paragraph}<ul><li>uno</li><li>due</li></ul>]]></tosca_html>
  <tosca_quiz url_name="{name}-quiz" display_name="Verifica {number}" max_attempts="0" weight="1" multiple="false">
    <question><![CDATA[<p>Quale risposta è corretta nel modulo {number}?</p>]]></question>
    <choice id="a" correct="false" feedback="No.">Prima risposta</choice>
    <choice id="b" correct="true" feedback="Esatto.">Seconda risposta</choice>
    <choice id="c" correct="false" feedback="No.">Terza risposta</choice>
    <choice id="d" correct="false" feedback="No.">Quarta risposta</choice>
  </tosca_quiz>
</tosca_module>
""".encode()
    outline.append("</course>")
    files["course/run.xml"] = "\n".join(outline).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(files):
            info = tarfile.TarInfo(f"SYNTH100/{path}")
            info.size, info.mtime, info.mode = len(files[path]), 1_767_225_600, 0o644
            archive.addfile(info, io.BytesIO(files[path]))
    return buffer.getvalue()


def usage(course_key: str, kind: str, name: str) -> str:
    return f"block-v1:{course_key.split(':', 1)[1]}+type@{kind}+block@{name}"


# -- in the child -------------------------------------------------------------------------------------


def measure(name: str) -> int:
    """A fresh database, the demo repertory and course, then the three measurements; one JSON line."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.urls import Resolver404, resolve
    from django.utils import translation

    from repertory import api as repertory
    from repertory.data import Format
    from xblocks.runtime import api

    call_command("migrate", verbosity=0, interactive=False)
    repertory.import_framework(ROOT / "tosca" / "demo" / "repertorio-toscana-demo.csv", source_format=Format.RRFP_CSV)
    translation.activate(settings.LANGUAGE_CODE)
    api.import_folder(DEMO_COURSE)

    # 1. Import the synthetic 100-module course.
    archive = synthetic_archive()
    started = time.perf_counter()
    report = api.import_archive(archive, name="synthetic-100.tar.gz")
    import_seconds = time.perf_counter() - started
    if report.course_key != SYNTHETIC_KEY:
        raise SystemExit(f"the synthetic course was imported as {report.course_key}")

    # A learner with some state: enrolled in both courses, m1's quiz answered, its first text read.
    learner = get_user_model().objects.create_user("bench-learner", "learner@example.org", "bench")
    api.enroll(learner, DEMO_KEY)
    api.enroll(learner, SYNTHETIC_KEY)
    client = Client(raise_request_exception=False)  # a failing page is a status to report, not a crash
    client.force_login(learner)

    def call(usage_id: str, handler: str, payload: dict):
        return client.post(
            f"/xblock/handler/{usage_id}/{handler}/", data=json.dumps(payload), content_type="application/json"
        )

    for usage_id, handler, payload in (
        (usage(DEMO_KEY, "tosca_html", "m1-intro"), "mark_viewed", {}),
        (usage(DEMO_KEY, "tosca_quiz", "m1-quiz"), "submit", {"selected": ["b"]}),
    ):
        response = call(usage_id, handler, payload)
        if response.status_code != 200:
            raise SystemExit(f"{handler} on {usage_id}: {response.status_code} {response.content[:300]!r}")

    # 2. Render module m1 of the demo course: the page when the site has it, else the runtime's render_module.
    page = f"/courses/{DEMO_KEY}/m/m1/"
    render_via = "render_module"
    try:
        resolve(page)
    except Resolver404:
        pass
    else:
        status = client.get(page).status_code
        render_via = "GET " + page if status == 200 else f"render_module (GET {page} answered {status})"
    if render_via.startswith("GET"):

        def render() -> None:
            response = client.get(page)
            if response.status_code != 200:
                raise SystemExit(f"GET {page}: {response.status_code}")
    else:

        def render() -> None:
            api.render_module(DEMO_KEY, "m1", learner)

    for _ in range(10):  # warm the caches as a running server would have them
        render()
    renders = []
    deadline = time.perf_counter() + BUDGET_SECONDS
    while len(renders) < RENDERS and (len(renders) < MINIMUM_SAMPLES or time.perf_counter() < deadline):
        begun = time.perf_counter()
        render()
        renders.append((time.perf_counter() - begun) * 1000)
    renders.sort()

    # 3. Quiz submissions through the handler view, on a quiz with unlimited attempts.
    quiz = usage(SYNTHETIC_KEY, "tosca_quiz", "m1-quiz")
    for choice in ("a", "b"):  # warm up
        call(quiz, "submit", {"selected": [choice]})
    submits = []
    started = time.perf_counter()
    deadline = started + BUDGET_SECONDS
    while len(submits) < SUBMISSIONS and (len(submits) < MINIMUM_SAMPLES or time.perf_counter() < deadline):
        begun = time.perf_counter()
        response = call(quiz, "submit", {"selected": ["abcd"[len(submits) % 4]]})
        submits.append((time.perf_counter() - begun) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"submit {len(submits)}: {response.status_code} {response.content[:300]!r}")
    submit_seconds = time.perf_counter() - started
    submits.sort()
    print(
        json.dumps(
            {
                "database": name,
                "modules": report.modules,
                "blocks": report.blocks,
                "assets": report.assets,
                "import_seconds": import_seconds,
                "render_via": render_via,
                "renders": len(renders),
                "render_p50_ms": statistics.median(renders),
                "render_p95_ms": renders[int(len(renders) * 0.95) - 1],
                "submits": len(submits),
                "submits_per_second": len(submits) / submit_seconds,
                "submit_p95_ms": submits[int(len(submits) * 0.95) - 1],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
