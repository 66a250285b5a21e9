"""Small helpers for ingestion tests: read a sample file as rows, change it, write it back, load it."""

import csv
from pathlib import Path

from imports.ingest.pipeline import ingest_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def sample_rows(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(FIXTURES / name, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_rows(path: Path, headers: list[str], rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)
    return path


def load(kind: str, path: Path, client, **options):
    return ingest_file(path=path, name=Path(path).name, kind=kind, client=client, **options)


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))
