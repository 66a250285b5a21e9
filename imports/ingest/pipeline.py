"""The load of one file: recognise its layout, validate every row, then write in one short transaction.

1. Read the header row and match it to the kind's columns, else to a saved column mapping; an unknown
   layout stops here with a message listing the columns each kind expects.
2. Read and check every row (nothing is written yet); good records go to a spool on disk.
3. If any row failed and the load does not allow partial loading, stop: nothing is stored. A file refused
   as a whole (its rows name another importer or exporter than the client's) stores nothing either way.
4. Otherwise write the staged records inside one transaction. A failure there rolls everything back, so
   data stored before the load is never lost or half-changed.
"""

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from django.db import transaction

from .base import RowError
from .core import Counts, IngestResult, LoadContext, get_parser, layout_message
from .reader import FileFormatError, open_table

# Checks of what a write changed, made inside its transaction (the claims app adds claims.frozen's: data
# under a claim in review or filed does not change). Each is called with the client before the write and
# returns an object whose changes() lists the refusals; any refusal rolls the whole write back.
WRITE_GUARDS: list[Callable] = []


class _Refused(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems


def ingest_file(
    *,
    path: Path,
    name: str,
    kind: str,
    client,
    allow_partial: bool = False,
    mapping: dict[str, str] | None = None,
    mapping_name: str = "",
    saved_mappings: Iterable[tuple[str, dict[str, str]]] = (),
    upload_id: int | None = None,
    progress: Callable[[float], None] | None = None,
    before_write: Callable[[], None] | None = None,
    keep_errors: int | None = None,
) -> IngestResult:
    """Load one file of `kind` for `client` (None for the HTS tariff). Raises ValueError for a kind that
    needs a client but has none; any error during the write propagates after the rollback."""
    parser = get_parser(kind)
    if parser.needs_client and client is None:
        raise ValueError(f"a {parser.label} belongs to a client")
    result = IngestResult(file_name=name, kind=kind)
    started = time.perf_counter()
    staged = None
    try:
        with open_table(Path(path), name, strict_utf8=parser.strict_utf8) as table:
            result.headers = list(table.headers)
            if not any(table.headers):
                result.errors.append(RowError(1, "", "", "empty_file", "the file has no header row"))
                return result
            columns, missing = parser.resolve(table.headers, mapping)
            if columns is None and mapping is None:
                for saved_name, saved in saved_mappings:
                    columns, _ = parser.resolve(table.headers, saved)
                    if columns is not None:
                        mapping, mapping_name = saved, saved_name
                        break
            if columns is None:
                message = layout_message(kind, table.headers, missing)
                raw = {h or f"column {i + 1}": h for i, h in enumerate(table.headers)}
                result.errors.append(RowError(1, "", ", ".join(missing), "unknown_layout", message, raw=raw))
                return result
            result.mapping, result.mapping_name = (mapping, mapping_name) if mapping else (None, "")
            ctx = LoadContext(
                client=client,
                file_name=name,
                columns=columns,
                allow_partial=allow_partial,
                upload_id=upload_id,
                progress=progress,
                keep_errors=keep_errors,
            )
            staged = parser.validate(ctx, table)
    except FileFormatError as exc:
        result.errors.append(RowError(1, "", "", "file_format", str(exc)))
        if staged is not None:
            parser.discard(staged)
        return result
    result.rows = ctx.rows
    result.errors = ctx.errors
    result.error_total = ctx.error_count
    result.notes = ctx.notes
    if not ctx.rows and not ctx.error_count:
        # A header alone, or a header and blank rows: nothing was loaded, and that is not a success.
        result.errors.append(
            RowError(2, "", "", "no_data", "the file has a header row but no data rows; nothing was loaded")
        )
        result.error_total = 1
        parser.discard(staged)
        return result
    result.timings["parse"] = time.perf_counter() - started
    try:
        if result.error_count and (ctx.refused or not allow_partial):
            return result
        if before_write:
            before_write()
        started = time.perf_counter()
        parser.before_write(ctx, staged)
        try:
            with transaction.atomic():
                guards = [make(client) for make in WRITE_GUARDS] if client is not None else []
                result.counts = parser.write(ctx, staged)
                problems = [problem for guard in guards for problem in guard.changes()]
                if problems:
                    raise _Refused(problems)
        except _Refused as refused:
            result.counts = Counts()
            result.errors.extend(RowError(1, "", "", "held_by_claim", p) for p in refused.problems)
            result.error_total = (result.error_total or 0) + len(refused.problems)
            return result
        result.timings["write"] = time.perf_counter() - started
        result.loaded = True
        return result
    finally:
        parser.discard(staged)
