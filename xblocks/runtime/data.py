"""What xblocks.runtime.api returns: plain frozen data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class ModuleInfo:
    usage_id: str
    name: str
    section: str
    title: str
    description: str
    estimated_hours: float | None
    competences: tuple[tuple[str, str], ...]
    """(uri, role) of the competences the module is tagged with."""
    completed: bool = False


@dataclass(frozen=True)
class CourseInfo:
    key: str
    title: str
    summary: str
    overview: str
    language: str
    published: bool
    modules: tuple[ModuleInfo, ...]

    @property
    def hours(self) -> float:
        return sum(module.estimated_hours or 0 for module in self.modules)


@dataclass(frozen=True)
class RenderedBlock:
    head: str
    body: str
    foot: str


@dataclass(frozen=True)
class CourseProgress:
    course: CourseInfo
    completed: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0


@dataclass(frozen=True)
class BlockContent:
    """One block of a module as a channel that renders it elsewhere (a SCORM package) needs it."""

    kind: str
    """The block type, e.g. ``tosca_html``."""
    name: str
    title: str
    fields: Mapping[str, object]
    """What the block shows outside the runtime (its `tosca_content()`, sanitized); empty for blocks that have
    nothing to show elsewhere. Never a learner's state."""


@dataclass(frozen=True)
class ModuleContent:
    info: ModuleInfo
    min_score: float | None
    optional: tuple[str, ...]
    """Names of the blocks the completion rule does not require."""
    blocks: tuple[BlockContent, ...]


@dataclass(frozen=True)
class CourseContent:
    key: str
    title: str
    summary: str
    language: str
    updated_at: datetime
    modules: tuple[ModuleContent, ...]
    assets: tuple[tuple[str, Path], ...]
    """(path under /static/, file on disk) of every asset of the course, sorted by path."""
