"""Validated records waiting to be written, kept on disk rather than in memory.

Records are written as PostgreSQL COPY text lines, so on PostgreSQL the whole spool goes into a staging
table with one COPY; on other databases the same lines are read back in chunks for bulk_create.
"""

import datetime as dt
import tempfile
from collections.abc import Iterator, Sequence
from decimal import Decimal

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_UNESCAPES = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


def _encode(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return (
            value.translate(_ESCAPES)
            if ("\\" in value or "\t" in value or "\n" in value or "\r" in value)
            else value
        )
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out = []
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair in _UNESCAPES:
            out.append(_UNESCAPES[pair])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


_DECODERS = {
    "text": _unescape,
    "int": int,
    "numeric": Decimal,
    "date": dt.date.fromisoformat,
    "bool": lambda t: t in ("t", "True"),
}

SQL_TYPES = {"text": "text", "int": "bigint", "numeric": "numeric", "date": "date", "bool": "boolean"}


class Spool:
    """An append-only file of typed records."""

    def __init__(self, columns: Sequence[tuple[str, str]]):
        self.columns = list(columns)
        self.names = [name for name, _ in self.columns]
        self.count = 0
        self._tabs = len(self.columns) - 1
        self._file = tempfile.TemporaryFile(mode="w+b")
        self._buffer: list[str] = []

    def add(self, values: Sequence) -> None:
        # Fast path: str() already gives COPY text for str, int, Decimal, date and bool (True/False);
        # only text holding a tab, newline, carriage return or backslash needs escaping.
        line = "\t".join(["\\N" if v is None else str(v) for v in values])
        if (
            line.count("\\") != values.count(None)
            or line.count("\t") != self._tabs
            or "\n" in line
            or "\r" in line
        ):
            line = "\t".join(map(_encode, values))
        self._buffer.append(line)
        self.count += 1
        if len(self._buffer) >= 5000:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self._file.write(("\n".join(self._buffer) + "\n").encode("utf-8"))
            self._buffer = []

    def chunks_of_bytes(self, size: int = 1 << 20) -> Iterator[bytes]:
        self._flush()
        self._file.seek(0)
        while block := self._file.read(size):
            yield block

    def rows(self) -> Iterator[tuple]:
        self._flush()
        self._file.seek(0)
        decoders = [_DECODERS[kind] for _, kind in self.columns]
        for line in self._file:
            cells = line.decode("utf-8").rstrip("\n").split("\t")
            yield tuple(None if c == "\\N" else dec(c) for dec, c in zip(decoders, cells, strict=True))

    def chunks(self, size: int) -> Iterator[list[tuple]]:
        chunk: list[tuple] = []
        for row in self.rows():
            chunk.append(row)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def sql_columns(self) -> str:
        return ", ".join(f"{name} {SQL_TYPES[kind]}" for name, kind in self.columns)

    def copy_into(self, cursor, table: str) -> None:
        """COPY the spool into an existing table whose columns carry the spool's names (PostgreSQL)."""
        with cursor.copy(f"COPY {table} ({', '.join(self.names)}) FROM STDIN") as copy:
            for block in self.chunks_of_bytes():
                copy.write(block)

    def close(self) -> None:
        self._file.close()
