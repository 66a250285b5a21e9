"""The parser protocol, the state of one load, its result, and the registry of kinds."""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .base import CellError, Columns, Field, RowError, norm_header, resolve
from .reader import Table

# Seconds between two progress writes of one load.
PROGRESS_INTERVAL = 0.5


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: "Counts") -> "Counts":
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


@dataclass
class IngestResult:
    """What became of one file. `loaded` is False when nothing was written."""

    file_name: str
    kind: str
    rows: int = 0
    counts: Counts = field(default_factory=Counts)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    mapping: dict[str, str] | None = None
    mapping_name: str = ""
    loaded: bool = False
    headers: list[str] = field(default_factory=list)
    # Problems found in all, when more were found than `errors` keeps (LoadContext.keep_errors).
    error_total: int | None = None

    @property
    def error_count(self) -> int:
        if self.error_total is not None:
            return self.error_total
        return sum(1 for e in self.errors if e.counted)

    @property
    def errors_not_kept(self) -> int:
        return max(self.error_count - sum(1 for e in self.errors if e.counted), 0)

    def summary(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.counts.created,
            "updated": self.counts.updated,
            "unchanged": self.counts.unchanged,
            "errors": self.error_count,
        }


class LoadContext:
    """The state of one load: who it is for, where each field is, and the rows rejected so far."""

    def __init__(
        self,
        *,
        client,
        file_name: str,
        columns: Columns,
        allow_partial: bool,
        upload_id: int | None = None,
        progress: Callable[[float], None] | None = None,
        keep_errors: int | None = None,
    ):
        self.client = client
        self.file_name = file_name
        self.columns = columns
        self.allow_partial = allow_partial
        self.upload_id = upload_id
        # The first `keep_errors` problems are kept with their rows; the others are only counted, so a file
        # of ten million bad rows costs a counter, not ten million stored rows.
        self.keep_errors = keep_errors
        self.errors: list[RowError] = []
        self.error_count = 0
        self.notes: list[str] = []
        # An error of the file as a whole (e.g. it belongs to another client): nothing is stored, even
        # with partial loading.
        self.refused = False
        self.rows = 0
        self._progress = progress
        self._next_report = 0.0

    def report(self, fraction: float) -> None:
        """Progress of reading (0..1); throttled so a million rows do not mean a million UPDATEs."""
        if self._progress is None:
            return
        now = time.monotonic()
        if now >= self._next_report:
            self._next_report = now + PROGRESS_INTERVAL
            self._progress(fraction)

    def raw(self, cells: list[str]) -> dict[str, str]:
        headers = self.columns.headers
        out: dict[str, str] = {}
        for i, header in enumerate(headers):
            name = header or f"column {i + 1}"
            while name in out:
                name += " (2)"
            out[name] = cells[i] if i < len(cells) else ""
        return out

    def reject(self, row: int, cells: list[str], errors: Iterable[RowError]) -> None:
        raw = None
        for error in errors:
            self.error_count += error.counted
            if self.keep_errors is not None and len(self.errors) >= self.keep_errors:
                continue
            if raw is None:
                raw = self.raw(cells)
            error.raw = raw
            self.errors.append(error)

    def refuse(self, error: RowError) -> None:
        """Refuse the whole file for this error (always kept, first, whatever `keep_errors` says)."""
        self.errors.insert(0, error)
        self.error_count += error.counted
        self.refused = True

    def clear_errors(self) -> None:
        self.errors.clear()
        self.error_count = 0

    def read(self, row: int, cells: list[str], key: str, reader, errors: list) -> object:
        """One cell read by `reader`; a CellError becomes a row error in `errors` and the value None."""
        value = self.columns.get(cells, key)
        try:
            return reader(value)
        except CellError as exc:
            errors.append(self.error(row, key, value, exc.rule, exc.message))
            return None

    def error(
        self, row: int, key: str, value: str, rule: str, message: str, *, counted: bool = True
    ) -> RowError:
        """A RowError naming the file's own header for one of our fields."""
        column = self.columns.header(key) if key else ""
        return RowError(row=row, column=column, value=value, rule=rule, message=message, counted=counted)


class Parser:
    """One kind of file. `validate` reads every row and stages the good records; `write` stores them.

    `write` runs inside one transaction, after the whole file has been read: a file with errors stores
    nothing unless the load allows partial loading (pretix's order import works the same way).
    """

    kind: str = ""
    label: str = ""
    fields: tuple[Field, ...] = ()
    required_any: tuple[tuple[str, ...], ...] = ()
    needs_client = True
    strict_utf8 = False
    counted = "records"  # what created/updated/unchanged count

    def validate(self, ctx: LoadContext, table: Table):
        raise NotImplementedError

    def write(self, ctx: LoadContext, staged) -> Counts:
        raise NotImplementedError

    def before_write(self, ctx: LoadContext, staged) -> None:
        """Work done outside the write transaction just before it (e.g. refreshing planner statistics)."""

    def discard(self, staged) -> None:
        """Release temporary files of a load that is not written."""

    def resolve(self, headers: list[str], mapping: dict[str, str] | None = None):
        return resolve(headers, self.fields, mapping, self.required_any)

    def expected_columns(self) -> str:
        names = [f"{f.label}{'*' if f.required else ''}" for f in self.fields]
        extra = "; ".join(
            " or ".join(self._label(k) for k in group) + " required" for group in self.required_any
        )
        return ", ".join(names) + (f" ({extra})" if extra else "")

    def _label(self, key: str) -> str:
        return next(f.label for f in self.fields if f.key == key)


PARSERS: dict[str, Parser] = {}


def register(parser: Parser) -> Parser:
    PARSERS[parser.kind] = parser
    return parser


def get_parser(kind: str) -> Parser:
    try:
        return PARSERS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}; kinds: {', '.join(sorted(PARSERS))}") from None


def detect_kinds(headers: list[str]) -> list[str]:
    """Kinds whose documented columns the header row holds, best match first."""
    found = []
    normalized = {norm_header(h) for h in headers}
    for kind, parser in PARSERS.items():
        columns, _ = parser.resolve(headers)
        if columns is not None:
            score = sum(1 for f in parser.fields if any(norm_header(h) in normalized for h in f.headers))
            found.append((score / max(len(parser.fields), 1), kind))
    return [kind for _, kind in sorted(found, reverse=True)]


def layout_message(kind: str, headers: list[str], missing: list[str]) -> str:
    """Why a header row was not recognised, and the columns each kind expects."""
    parser = get_parser(kind)
    lines = [f"The header row does not match the {parser.label} layout: missing {', '.join(missing)}."]
    others = [k for k in detect_kinds(headers) if k != kind]
    if others:
        lines.append(f"It looks like kind {others[0]} ({get_parser(others[0]).label}).")
    lines.append("Expected columns (* = required):")
    for other in PARSERS.values():
        lines.append(f"- {other.kind} ({other.label}): {other.expected_columns()}")
    lines.append("Save a column mapping to load this layout.")
    return "\n".join(lines)
