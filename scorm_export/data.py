"""What scorm_export.api returns: plain frozen values."""

from __future__ import annotations

from dataclasses import dataclass, field

SCORM_12 = "1.2"
SCORM_2004 = "2004"
VERSIONS = (SCORM_12, SCORM_2004)

SCO_PER_MODULE = "module"
SCO_PER_PAGE = "page"
SCO_LAYOUTS = (SCO_PER_MODULE, SCO_PER_PAGE)

# SCORM 1.2 (RTE 3.4.2.1.7) caps cmi.suspend_data at 4,096 characters; 2004 4th edition at 64,000.
SUSPEND_DATA_LIMIT = {SCORM_12: 4096, SCORM_2004: 64000}

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a package: where (a file, and a line in it when known) and what."""

    where: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class ValidationReport:
    version: str | None
    """The SCORM version the manifest declares ("1.2" or "2004"), None when it could not be told."""
    problems: tuple[Problem, ...] = ()

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(problem for problem in self.problems if problem.severity == ERROR)

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ExportedPackage:
    """A SCORM package, validated, ready to be written or sent."""

    filename: str
    content: bytes
    version: str
    scos: int
    files: int
    warnings: tuple[str, ...] = field(default=())
