"""What xblocks.runtime.api returns: plain frozen data."""

from __future__ import annotations

from dataclasses import dataclass


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
