"""A one-line progress bar for long command-line work (imports, exports), shared by every app's commands."""

from __future__ import annotations

import time
from typing import ClassVar, TextIO


class ProgressBar:
    """Redrawn at most ten times a second; `STAGES` names the stages a subclass reports."""

    WIDTH = 30
    STAGES: ClassVar[dict] = {}

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.drawn_at = 0.0

    def update(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.drawn_at < 0.1 and done < total:
            return
        self.drawn_at = now
        fraction = done / total if total else 1.0
        filled = int(self.WIDTH * fraction)
        label = str(self.STAGES.get(stage, stage))
        self.stream.write(
            f"\r{label:<14} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {fraction:4.0%} {done:,}/{total:,}   "
        )
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
