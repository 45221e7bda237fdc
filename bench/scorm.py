"""SCORM export: the demo course and a synthetic 100-module course as SCORM 1.2 and 2004 packages.

Prints, per course and version (one SCO per module): seconds of export_package (best and median of 3 runs),
the package's size, SCOs and files, the tracemalloc peak of one more export and the process's max RSS after it;
then the seconds validate_package takes on each package and the problems it finds (there should be none).
Target: the 100-module course under 5 s. Figures are printed, not asserted.

Run as `.venv/bin/python -m bench.scorm`; the measurement is done in a fresh process, on a fresh SQLite
database (an export reads its course once, so the database hardly matters).
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
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.child import measure_in_child  # noqa: E402
from bench.courses import DEMO_COURSE, DEMO_KEY, MODULES, SYNTHETIC_KEY, synthetic_archive  # noqa: E402

VERSIONS = ("1.2", "2004")
LAYOUT = "module"
RUNS = 3
TARGET_SECONDS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        return measure()

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        print(f"SCORM export: importing the demo course and a {MODULES}-module course, exporting …", flush=True)
        environment = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{Path(scratch) / 'scorm.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "tosca.settings",
            "TOSCA_VAR_DIR": str(Path(scratch) / "var"),
            "ALLOWED_HOSTS": "localhost,testserver",
        }
        result = measure_in_child(__file__, ["--measure"], environment, "SCORM export")
    print(
        f"SCORM export: {result['synthetic_modules']} modules, {result['synthetic_blocks']} blocks imported "
        f"in {result['import_seconds']:.2f} s (SQLite)"
    )
    exports = result["exports"]
    print()
    print(
        f"{'course':<10} {'version':<8} {'best s':>7} {'median s':>9} {'KB':>8} {'SCOs':>5} {'files':>6} "
        f"{'peak MB':>8} {'max RSS MB':>11} {'warnings':>9}"
    )
    for export in exports:
        print(
            f"{export['course']:<10} {export['version']:<8} {export['best_seconds']:>7.3f} "
            f"{export['median_seconds']:>9.3f} {export['kilobytes']:>8,.0f} {export['scos']:>5} "
            f"{export['files']:>6} {export['peak_mb']:>8.1f} {export['max_rss_mb']:>11.1f} {export['warnings']:>9}"
        )
    print()
    print(f"{'course':<10} {'version':<8} {'validate s':>11} {'problems':>9} {'errors':>7}")
    for export in exports:
        print(
            f"{export['course']:<10} {export['version']:<8} {export['validate_seconds']:>11.3f} "
            f"{export['problems']:>9} {export['errors']:>7}"
        )
        for problem in export["first_problems"]:
            print(f"    {problem}")
    synthetic = [export for export in exports if export["course"] == "synthetic"]
    slowest = max(export["best_seconds"] for export in synthetic)
    figures = ", ".join(f"SCORM {export['version']} {export['best_seconds']:.2f} s" for export in synthetic)
    print()
    print(
        f"target: the {MODULES}-module course under {TARGET_SECONDS:.0f} s: {figures} (best of {RUNS}; "
        f"{slowest / TARGET_SECONDS:.0%} of the target) {'OK' if slowest < TARGET_SECONDS else 'OVER'}"
    )
    print(f"SCORM benchmark: {time.perf_counter() - started:.0f} s in all")
    return 0


# -- in the child -------------------------------------------------------------------------------------


def measure() -> int:
    """A fresh database, the demo repertory and both courses, then the four exports and their validation."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import translation

    from repertory import api as repertory
    from repertory.data import Format
    from scorm_export import api as scorm
    from xblocks.runtime import api

    call_command("migrate", verbosity=0, interactive=False)
    repertory.import_framework(ROOT / "tosca" / "demo" / "repertorio-toscana-demo.csv", source_format=Format.RRFP_CSV)
    translation.activate(settings.LANGUAGE_CODE)
    api.import_folder(DEMO_COURSE)
    started = time.perf_counter()
    report = api.import_archive(synthetic_archive(), name="synthetic-100.tar.gz")
    import_seconds = time.perf_counter() - started
    if report.course_key != SYNTHETIC_KEY:
        raise SystemExit(f"the synthetic course was imported as {report.course_key}")

    exports = []
    for course, key in (("demo", DEMO_KEY), ("synthetic", SYNTHETIC_KEY)):
        for version in VERSIONS:
            seconds = []
            for _ in range(RUNS):
                begun = time.perf_counter()
                package = scorm.export_package(key, version, layout=LAYOUT)
                seconds.append(time.perf_counter() - begun)
            tracemalloc.start()
            scorm.export_package(key, version, layout=LAYOUT)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            max_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
            begun = time.perf_counter()
            validation = scorm.validate_package(package.content, name=package.filename)
            validate_seconds = time.perf_counter() - begun
            exports.append(
                {
                    "course": course,
                    "version": version,
                    "best_seconds": min(seconds),
                    "median_seconds": statistics.median(seconds),
                    "kilobytes": len(package.content) / 1024,
                    "scos": package.scos,
                    "files": package.files,
                    "warnings": len(package.warnings),
                    "peak_mb": peak / (1024 * 1024),
                    "max_rss_mb": max_rss_kb / 1024,
                    "validate_seconds": validate_seconds,
                    "problems": len(validation.problems),
                    "errors": len(validation.errors),
                    "first_problems": [str(problem) for problem in validation.problems[:5]],
                }
            )
    print(
        json.dumps(
            {
                "synthetic_modules": report.modules,
                "synthetic_blocks": report.blocks,
                "import_seconds": import_seconds,
                "exports": exports,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
