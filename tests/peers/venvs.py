"""Virtual environments of their own for peers whose pins conflict with the project's (Ralph, lti-consumer-xblock,
the benchmark's django-lti reference): created on first use under a file lock, so parallel runs wait for one
another, and installed again when the requirements change (a marker file records what was installed)."""

from __future__ import annotations

import fcntl
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def ensure_venv(venv: Path, requirements: Sequence[str], *, unavailable: type[Exception], timeout: float = 900) -> Path:
    """The python of `venv`, with `requirements` installed; raises `unavailable` saying which step failed."""
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    wanted = " ".join(requirements)

    def installed() -> bool:
        return marker.is_file() and marker.read_text(encoding="utf-8").strip() == wanted

    if installed():
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be installing: wait for it
        try:
            if installed():
                return python
            if not python.exists():
                run_step(
                    [sys.executable, "-m", "venv", "--clear", str(venv)],
                    f"creating the venv {venv}",
                    unavailable,
                    timeout,
                )
            run_step(
                [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
                f"pip install {wanted} into {venv}",
                unavailable,
                timeout,
            )
            marker.write_text(wanted + "\n", encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return python


def run_step(command: list[str], what: str, unavailable: type[Exception], timeout: float) -> None:
    """Run one step of a peer's installation; raises `unavailable` with the step, its status and its output."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise unavailable(f"{what} failed: {error}") from error
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()[-3000:]
        raise unavailable(f"{what} failed with exit status {result.returncode}:\n{output}")
