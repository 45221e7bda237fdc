"""Each benchmark measures in a fresh process of its own: memory and caches are that measurement's alone."""

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
