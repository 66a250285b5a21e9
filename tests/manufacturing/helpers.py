"""The sample manufacturer's files (docs/samples/manufacturing) and small helpers to change and load them."""

import csv
from pathlib import Path

from imports.ingest.pipeline import ingest_file

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples" / "manufacturing"
ORDER = ("imports", "exports", "bom", "production", "returns")


def load(kind: str, path: Path, client, **options):
    return ingest_file(path=path, name=Path(path).name, kind=kind, client=client, **options)


def load_samples(client, kinds=ORDER):
    results = {}
    for kind in kinds:
        results[kind] = load(kind, SAMPLES / f"{kind}.csv", client)
        assert results[kind].loaded, [e.describe() for e in results[kind].errors]
    return results


def rows(kind: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(SAMPLES / f"{kind}.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write(path: Path, headers: list[str], data: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(data)
    return path
