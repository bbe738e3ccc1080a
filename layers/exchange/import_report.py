"""What an import did: counts, repairs, rejections with reasons; as text for a person and as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class Problem:
    """One thing wrong (or repaired) in one feature or ledger row.

    ``feature`` is the feature's id (or the ledger's project code) when it has one, ``row``
    its 1-based position in the source, ``field`` the attribute concerned (``geometry`` for
    the shape).
    """

    action: str  # "rejected", "repaired", "conflict", "overwritten" or "warning"
    message: str
    feature: str | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = []
        if self.feature is not None:
            where.append(f"id {self.feature}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(self.field)
        return f"{self.action}: {' / '.join(where) or 'file'}: {self.message}"


@dataclass
class SourceReport:
    """The outcome for one source (a layer of a file, or a ledger)."""

    target: str  # catalogue layer name, or "projects" for the ledger
    source: str
    crs: str | None = None
    encoding: str | None = None
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({(p.feature, p.row) for p in self.problems if p.action == "rejected"})

    @property
    def repaired(self) -> int:
        return len({(p.feature, p.row) for p in self.problems if p.action == "repaired"})

    @property
    def conflicts(self) -> int:
        """Rows whose file values would overwrite a change made in the service."""
        return len({(p.feature, p.row) for p in self.problems if p.action == "conflict"})

    @property
    def file_refused(self) -> bool:
        """A rejection of the whole file (no feature, no row): ``skip_invalid`` cannot help."""
        return any(p.action == "rejected" and p.feature is None and p.row is None
                   for p in self.problems)

    def reject(self, message: str, **where) -> None:
        self.problems.append(Problem("rejected", message, **where))

    def to_dict(self) -> dict:
        data = asdict(self)
        data["rejected"] = self.rejected
        data["repaired"] = self.repaired
        data["conflicts"] = self.conflicts
        return data


@dataclass
class ImportReport:
    """The outcome of one import run: all its sources, and whether it was committed."""

    sources: list[SourceReport] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        return sum(s.rejected for s in self.sources)

    @property
    def conflicts(self) -> int:
        return sum(s.conflicts for s in self.sources)

    @property
    def file_refused(self) -> bool:
        return any(s.file_refused for s in self.sources)

    def to_dict(self) -> dict:
        return {
            "committed": self.committed,
            "dry_run": self.dry_run,
            "rejected": self.rejected,
            "conflicts": self.conflicts,
            "sources": [s.to_dict() for s in self.sources],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str)

    def to_text(self) -> str:
        lines = []
        for s in self.sources:
            detail = ", ".join(x for x in (s.crs and f"CRS {s.crs}",
                                           s.encoding and f"encoding {s.encoding}") if x)
            lines.append(f"{s.source} → {s.target}" + (f" ({detail})" if detail else ""))
            lines.append(
                f"  read {s.read}, inserted {s.inserted}, updated {s.updated}, "
                f"unchanged {s.unchanged}, repaired {s.repaired}, rejected {s.rejected}"
                + (f", conflicting {s.conflicts}" if s.conflicts else "")
            )
            lines.extend(f"  note: {n}" for n in s.notes)
            lines.extend(f"  {p}" for p in s.problems)
        if self.conflicts and not self.committed:
            lines.append(
                f"NOT imported: {self.conflicts} row(s) were changed in the service since their "
                "last import, and the file would overwrite those changes; nothing was written. "
                "Bring the file up to date (export it again), or pass --overwrite to replace "
                "the service's values with the file's.")
        elif self.dry_run:
            lines.append("dry run: nothing was written")
        elif self.committed:
            lines.append("committed")
        else:
            lines.append(
                f"NOT imported: {self.rejected} feature(s) or row(s) rejected, nothing was "
                "written. Fix them, or pass --skip-invalid to import the rest."
            )
        return "\n".join(lines)
