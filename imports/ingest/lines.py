"""Staging and writing import entries and lines (ES-003 and the canonical imports.csv share this).

Natural keys: an entry is (client, entry number); a line is (entry, line number). Re-loading a file, or an
overlapping one, updates in place and never duplicates. Counts are per line: `created` for a new line,
`updated` when the line, its Chapter 99 rows or its entry's header changed, `unchanged` otherwise.

A line already partly designated on a claim keeps its designated part (quantity - quantity_available):
new available = new quantity - designated. The parsers reject a new quantity below the designated part.

Lines stored earlier and missing from a later file are kept (a file never deletes data).
"""

from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from ..models import ImportEntry, ImportLine, LineCh99Duty
from .core import Counts
from .spool import Spool

ENTRY_TYPES = {
    "entry_type": "text",
    "port_code": "text",
    "importer_number": "text",
    "importer_name": "text",
    "entry_date": "date",
    "import_date": "date",
    "entry_summary_date": "date",
    "liquidation_date": "date",
    "liquidation_status": "text",
    "reconciliation": "bool",
}
LINE_TYPES = {
    "import_date": "date",
    "hts": "text",
    "description": "text",
    "part": "text",
    "country_of_origin": "text",
    "country_of_export": "text",
    "manufacturer_id": "text",
    "spi": "text",
    "quantity": "numeric",
    "uom": "text",
    "entered_value": "numeric",
    "duty": "numeric",
    "mpf": "numeric",
    "hmf": "numeric",
}

IMPORT_TABLES = ["imports_importentry", "imports_importline", "imports_linech99duty"]

# Called after every imports load with the client's id, inside the load's transaction (the exports app
# links exports that name an import line by direct identification).
POST_LOAD_HOOKS: list[Callable[..., None]] = []

Ch99 = tuple[int, str, Decimal]  # ordinal, 9903.NN.NN, amount


def ch99_text(items: Iterable[Ch99]) -> str:
    return ";".join(f"{ordinal}|{number}|{amount}" for ordinal, number, amount in items)


def ch99_parse(text: str) -> list[Ch99]:
    if not text:
        return []
    out = []
    for item in text.split(";"):
        ordinal, number, amount = item.split("|")
        out.append((int(ordinal), number, Decimal(amount)))
    return out


def designated_quantities(client) -> dict[tuple[str, int], Decimal]:
    """Quantity already designated on claims, per (entry number, line number), for partly used lines."""
    rows = (
        ImportLine.objects.filter(client=client, quantity_available__lt=F("quantity"))
        .values_list("entry__entry_number", "line_number", "quantity", "quantity_available")
        .iterator(chunk_size=5000)
    )
    return {(e, n): q - a for e, n, q, a in rows}


class ImportStage:
    """Entries (in memory: a few hundred thousand at most) and lines (on disk) that passed validation."""

    def __init__(self, entry_fields: list[str], line_fields: list[str]):
        self.entry_fields = [f for f in ENTRY_TYPES if f in entry_fields]
        self.line_fields = [f for f in LINE_TYPES if f in line_fields]
        self.entries: dict[str, tuple] = {}
        self.accepted = Counter()
        self.lines = Spool(
            [("entry_number", "text"), ("line_number", "int")]
            + [(f, LINE_TYPES[f]) for f in self.line_fields]
            + [("ch99", "text")]
        )

    def set_entry(self, entry_number: str, values: tuple) -> None:
        self.entries.setdefault(entry_number, values)

    def add_line(self, entry_number: str, line_number: int, values: tuple, ch99: Iterable[Ch99]) -> None:
        self.lines.add((entry_number, line_number, *values, ch99_text(ch99)))
        self.accepted[entry_number] += 1

    def entry_spool(self) -> Spool:
        spool = Spool([("entry_number", "text")] + [(f, ENTRY_TYPES[f]) for f in self.entry_fields])
        for number, values in self.entries.items():
            if self.accepted[number]:
                spool.add((number, *values))
        return spool

    def close(self) -> None:
        self.lines.close()


def write_method() -> str:
    """`copy` (PostgreSQL staging tables) or `orm` (bulk_create/bulk_update, any database).
    The INGEST_WRITE_METHOD setting can force `orm` on PostgreSQL, e.g. to compare the two."""
    method = getattr(settings, "INGEST_WRITE_METHOD", "auto")
    if method == "auto":
        return "copy" if connection.vendor == "postgresql" else "orm"
    return method


def write_import_stage(*, client, upload_id: int | None, stage: ImportStage) -> Counts:
    """Merge staged entries and lines into the client's data. Call inside transaction.atomic()."""
    method = write_method()
    writer = _CopyWriter if method == "copy" else _OrmWriter
    counts, touched_entry_ids = writer(client, upload_id, stage).run()
    if "mpf" not in stage.line_fields and touched_entry_ids:
        # Lines changed under entry-level fees: apportion again (19 CFR 190.51(b)(2)).
        from .fees import reapportion

        reapportion(entry_ids=touched_entry_ids)
    for hook in POST_LOAD_HOOKS:
        hook(client_id=client.pk)
    return counts


def refresh_statistics(tables: list[str], *, rows: int) -> None:
    """ANALYZE the tables a large load merges into, before its transaction (PostgreSQL).

    Right after a mass delete, or a first load, the planner's row counts can be far off; a set-based merge
    of hundreds of thousands of rows planned against "an empty table" can pick a nested loop over a
    sequential scan and take minutes instead of seconds. Small loads keep whatever plan they get.
    """
    if connection.vendor != "postgresql" or rows < 10000:
        return
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {', '.join(tables)}")


def _bulk_session(cur) -> None:
    """Settings for this load's transaction only: memory for the staging joins, and no wait for the WAL
    flush at commit (a crash can lose the last load, never corrupt data; the upload is then not marked
    loaded either, since its status is written after)."""
    cur.execute("SET LOCAL work_mem = '128MB'")
    cur.execute("SET LOCAL synchronous_commit = off")


def _insert_defaults(model, provided: set[str]) -> dict[str, object]:
    """Values for NOT NULL columns a raw INSERT leaves out (Django defaults live in Python, not the table)."""
    out = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.column in provided or f.null:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            continue
        if f.has_default():
            out[f.column] = f.get_default()
        elif f.get_internal_type() in ("CharField", "TextField"):
            out[f.column] = ""
    return out


class _CopyWriter:
    """PostgreSQL: COPY into temporary staging tables, then set-based UPDATE and INSERT statements."""

    def __init__(self, client, upload_id, stage: ImportStage):
        self.client_id = client.pk
        self.upload_id = upload_id
        self.stage = stage

    def run(self) -> tuple[Counts, set[int]]:
        stage = self.stage
        with connection.cursor() as cur:
            # One load per client at a time; other clients load in parallel.
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7501, self.client_id])
            _bulk_session(cur)
            entries = stage.entry_spool()
            self._temp(cur, "ingest_entry", entries.sql_columns())
            entries.copy_into(cur, "ingest_entry")
            entries.close()
            self._temp(cur, "ingest_line", stage.lines.sql_columns())
            stage.lines.copy_into(cur, "ingest_line")
            cur.execute("ANALYZE ingest_entry; ANALYZE ingest_line")
            self._temp(cur, "ingest_entry_updated", "id bigint")
            self._temp(cur, "ingest_changed", "id bigint")
            self._entries(cur)
            self._lines(cur)
            self._ch99(cur)
            cur.execute(
                """SELECT count(*) FILTER (WHERE k.created),
                          count(*) FILTER (WHERE NOT k.created AND (
                              EXISTS (SELECT 1 FROM ingest_changed c WHERE c.id = k.line_id)
                              OR EXISTS (SELECT 1 FROM ingest_entry_updated u WHERE u.id = k.entry_id))),
                          count(*)
                   FROM ingest_line_key k"""
            )
            created, updated, total = cur.fetchone()
            if "import_date" in stage.entry_fields:
                # Lines of the entry that are not in this file follow the entry's new import date.
                cur.execute(
                    """UPDATE imports_importline l SET import_date = e.import_date, updated_at = now()
                       FROM ingest_entry_updated u JOIN imports_importentry e ON e.id = u.id
                       WHERE l.entry_id = e.id AND l.import_date <> e.import_date"""
                )
            touched: set[int] = set()
            if ImportEntry.objects.filter(client_id=self.client_id).exclude(mpf=None, hmf=None).exists():
                cur.execute(
                    """SELECT DISTINCT k.entry_id FROM ingest_line_key k
                       JOIN imports_importentry e ON e.id = k.entry_id
                       WHERE (e.mpf IS NOT NULL OR e.hmf IS NOT NULL)
                         AND (k.created OR EXISTS (SELECT 1 FROM ingest_changed c WHERE c.id = k.line_id))"""
                )
                touched = {row[0] for row in cur.fetchall()}
        return Counts(created, updated, total - created - updated), touched

    @staticmethod
    def _temp(cur, name: str, columns: str) -> None:
        # DROP first: inside an outer transaction (tests) ON COMMIT DROP has not run yet.
        cur.execute(f"DROP TABLE IF EXISTS {name}")
        cur.execute(f"CREATE TEMP TABLE {name} ({columns}) ON COMMIT DROP")

    def _entries(self, cur) -> None:
        fields = self.stage.entry_fields
        if fields:
            sets = ", ".join(f"{f} = s.{f}" for f in fields)
            old = ", ".join(f"e.{f}" for f in fields)
            new = ", ".join(f"s.{f}" for f in fields)
            cur.execute(
                f"""WITH u AS (
                        UPDATE imports_importentry e SET {sets}, source_upload_id = %s, updated_at = now()
                        FROM ingest_entry s
                        WHERE e.client_id = %s AND e.entry_number = s.entry_number
                          AND ROW({old}) IS DISTINCT FROM ROW({new})
                        RETURNING e.id)
                    INSERT INTO ingest_entry_updated SELECT id FROM u""",
                [self.upload_id, self.client_id],
            )
        defaults = _insert_defaults(ImportEntry, {"client_id", "entry_number", "source_upload_id", *fields})
        columns = [
            "client_id",
            "entry_number",
            *fields,
            "source_upload_id",
            *defaults,
            "created_at",
            "updated_at",
        ]
        values = ["%s", "s.entry_number", *(f"s.{f}" for f in fields), "%s"]
        values += ["%s"] * len(defaults) + ["now()", "now()"]
        # ON CONFLICT rather than NOT EXISTS: the unique index decides, whatever the planner believes.
        cur.execute(
            f"""INSERT INTO imports_importentry ({", ".join(columns)})
                SELECT {", ".join(values)} FROM ingest_entry s
                ON CONFLICT (client_id, entry_number) DO NOTHING""",
            [self.client_id, self.upload_id, *defaults.values()],
        )

    def _lines(self, cur) -> None:
        fields = self.stage.line_fields
        cur.execute("DROP TABLE IF EXISTS ingest_line_key")
        # New lines take their ids from the table's sequence here, so the INSERT needs no RETURNING and
        # the Chapter 99 rows can be joined to their line at once.
        cur.execute(
            """CREATE TEMP TABLE ingest_line_key ON COMMIT DROP AS
               SELECT s.*, e.id AS entry_id,
                      COALESCE(l.id, nextval(pg_get_serial_sequence('imports_importline', 'id'))) AS line_id,
                      (l.id IS NULL) AS created
               FROM ingest_line s
               JOIN imports_importentry e ON e.client_id = %s AND e.entry_number = s.entry_number
               LEFT JOIN imports_importline l ON l.entry_id = e.id AND l.line_number = s.line_number""",
            [self.client_id],
        )
        sets = ", ".join(f"{f} = k.{f}" for f in fields)
        old = ", ".join(f"l.{f}" for f in fields)
        new = ", ".join(f"k.{f}" for f in fields)
        cur.execute(
            f"""WITH u AS (
                    UPDATE imports_importline l SET {sets},
                        quantity_available = k.quantity - (l.quantity - l.quantity_available),
                        updated_at = now()
                    FROM ingest_line_key k
                    WHERE l.id = k.line_id AND ROW({old}) IS DISTINCT FROM ROW({new})
                    RETURNING l.id)
                INSERT INTO ingest_changed SELECT id FROM u"""
        )
        defaults = _insert_defaults(
            ImportLine, {"client_id", "entry_id", "line_number", "quantity_available", *fields}
        )
        columns = ["id", "client_id", "entry_id", "line_number", *fields, "quantity_available", *defaults]
        columns += ["created_at", "updated_at"]
        values = ["k.line_id", "%s", "k.entry_id", "k.line_number", *(f"k.{f}" for f in fields), "k.quantity"]
        values += ["%s"] * len(defaults) + ["now()", "now()"]
        cur.execute(
            f"""INSERT INTO imports_importline ({", ".join(columns)})
                SELECT {", ".join(values)} FROM ingest_line_key k WHERE k.created ORDER BY k.line_id""",
            [self.client_id, *defaults.values()],
        )

    def _ch99(self, cur) -> None:
        cur.execute("DROP TABLE IF EXISTS ingest_ch99")
        cur.execute(
            """CREATE TEMP TABLE ingest_ch99 ON COMMIT DROP AS
               SELECT k.line_id, k.created,
                      split_part(x.item, '|', 1)::smallint AS ordinal,
                      split_part(x.item, '|', 2) AS number,
                      split_part(x.item, '|', 3)::numeric AS amount
               FROM ingest_line_key k CROSS JOIN LATERAL unnest(string_to_array(k.ch99, ';')) AS x(item)
               WHERE k.ch99 <> ''"""
        )
        same = (
            "n.line_id = c.line_id AND n.number = c.number AND n.ordinal = c.ordinal AND n.amount = c.amount"
        )
        # Lines that existed: drop Chapter 99 rows the file no longer has, add the ones it has newly.
        cur.execute(
            f"""WITH d AS (
                    DELETE FROM imports_linech99duty c USING ingest_line_key k
                    WHERE c.line_id = k.line_id AND NOT k.created
                      AND NOT EXISTS (SELECT 1 FROM ingest_ch99 n WHERE {same})
                    RETURNING c.line_id)
                INSERT INTO ingest_changed SELECT line_id FROM d"""
        )
        # Rows left after the DELETE match the file exactly, so a conflict means "unchanged".
        cur.execute(
            """WITH i AS (
                    INSERT INTO imports_linech99duty (line_id, ordinal, number, amount)
                    SELECT n.line_id, n.ordinal, n.number, n.amount FROM ingest_ch99 n WHERE NOT n.created
                    ON CONFLICT (line_id, number) DO NOTHING
                    RETURNING line_id)
                INSERT INTO ingest_changed SELECT line_id FROM i"""
        )
        # New lines have no Chapter 99 rows yet: no comparison needed.
        cur.execute(
            """INSERT INTO imports_linech99duty (line_id, ordinal, number, amount)
               SELECT line_id, ordinal, number, amount FROM ingest_ch99 WHERE created"""
        )


class _OrmWriter:
    """Other databases (SQLite): the same merge with bulk_create / bulk_update, a chunk at a time."""

    CHUNK = 500

    def __init__(self, client, upload_id, stage: ImportStage):
        self.client = client
        self.upload_id = upload_id
        self.stage = stage
        self.entry_ids: dict[str, int] = {}
        self.updated_entries: set[int] = set()

    def run(self) -> tuple[Counts, set[int]]:
        entries = self.stage.entry_spool()
        for chunk in entries.chunks(self.CHUNK):
            self._entries(chunk)
        entries.close()
        counts = Counts()
        touched: set[int] = set()
        for chunk in self.stage.lines.chunks(self.CHUNK):
            counts += self._lines(chunk, touched)
        if "import_date" in self.stage.entry_fields and self.updated_entries:
            for entry in ImportEntry.objects.filter(pk__in=self.updated_entries).only("pk", "import_date"):
                ImportLine.objects.filter(entry_id=entry.pk).exclude(import_date=entry.import_date).update(
                    import_date=entry.import_date
                )
        touched = set(
            ImportEntry.objects.filter(pk__in=touched)
            .exclude(mpf__isnull=True, hmf__isnull=True)
            .values_list("pk", flat=True)
        )
        return counts, touched

    def _entries(self, chunk: list[tuple]) -> None:
        fields = self.stage.entry_fields
        existing = {
            e.entry_number: e
            for e in ImportEntry.objects.filter(client=self.client, entry_number__in=[r[0] for r in chunk])
        }
        new, changed = [], []
        for number, *values in chunk:
            entry = existing.get(number)
            if entry is None:
                new.append(
                    ImportEntry(
                        client=self.client,
                        entry_number=number,
                        source_upload_id=self.upload_id,
                        **dict(zip(fields, values, strict=True)),
                    )
                )
                continue
            if any(getattr(entry, f) != v for f, v in zip(fields, values, strict=True)):
                for f, v in zip(fields, values, strict=True):
                    setattr(entry, f, v)
                entry.source_upload_id = self.upload_id
                entry.updated_at = timezone.now()  # bulk_update does not touch auto_now fields
                changed.append(entry)
                self.updated_entries.add(entry.pk)
            self.entry_ids[number] = entry.pk
        for entry in ImportEntry.objects.bulk_create(new):
            self.entry_ids[entry.entry_number] = entry.pk
        if changed:
            ImportEntry.objects.bulk_update(changed, [*fields, "source_upload", "updated_at"])

    def _lines(self, chunk: list[tuple], touched: set[int]) -> Counts:
        fields = self.stage.line_fields
        entry_ids = {self.entry_ids[r[0]] for r in chunk}
        existing = {
            (line.entry_id, line.line_number): line
            for line in ImportLine.objects.filter(entry_id__in=entry_ids).prefetch_related("ch99_duties")
        }
        counts = Counts()
        new: list[tuple[ImportLine, list]] = []
        changed = []
        for number, line_number, *values in chunk:
            ch99 = ch99_parse(values.pop())
            entry_id = self.entry_ids[number]
            line = existing.get((entry_id, line_number))
            data = dict(zip(fields, values, strict=True))
            if line is None:
                line = ImportLine(client=self.client, entry_id=entry_id, line_number=line_number, **data)
                line.quantity_available = line.quantity
                new.append((line, ch99))
                counts.created += 1
                touched.add(entry_id)
                continue
            line_changed = any(getattr(line, f) != v for f, v in data.items())
            old_ch99 = sorted((c.ordinal, c.number, c.amount) for c in line.ch99_duties.all())
            ch99_changed = old_ch99 != sorted(ch99)
            if line_changed:
                designated = line.quantity - line.quantity_available
                for f, v in data.items():
                    setattr(line, f, v)
                line.quantity_available = line.quantity - designated
                line.updated_at = timezone.now()
                changed.append(line)
            if ch99_changed:
                LineCh99Duty.objects.filter(line=line).delete()
                LineCh99Duty.objects.bulk_create(
                    LineCh99Duty(line=line, ordinal=o, number=n, amount=a) for o, n, a in ch99
                )
            if line_changed or ch99_changed:
                touched.add(entry_id)
            if line_changed or ch99_changed or entry_id in self.updated_entries:
                counts.updated += 1
            else:
                counts.unchanged += 1
        ImportLine.objects.bulk_create([line for line, _ in new])
        LineCh99Duty.objects.bulk_create(
            LineCh99Duty(line=line, ordinal=o, number=n, amount=a) for line, ch99 in new for o, n, a in ch99
        )
        if changed:
            ImportLine.objects.bulk_update(changed, [*fields, "quantity_available", "updated_at"])
        return counts
