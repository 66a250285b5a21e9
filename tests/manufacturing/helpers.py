"""The sample manufacturer's files (docs/samples/manufacturing) and small helpers to change and load them."""

import csv
from pathlib import Path

from imports.ingest.pipeline import ingest_file

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples" / "manufacturing"
ORDER = ("imports", "exports", "bom", "production", "returns")


def load(kind: str, path: Path, client, **options):
    return ingest_file(path=path, name=Path(path).name, kind=kind, client=client, **options)


def manufacturer(client, bom: Path | None = None):
    """The sample manufacturer's data for `client`: the tariff rows, every sample file (or `bom` for the bills
    of materials) and the ruling."""
    import datetime as dt

    from drawback.accounts.models import Privilege

    load("hts", Path(__file__).resolve().parents[1] / "fixtures" / "hts_sample.csv", None)
    if bom is None:
        load_samples(client)
    else:
        load_samples(client, kinds=("imports", "exports"))
        assert load("bom", bom, client).loaded
        load_samples(client, kinds=("production", "returns"))
    Privilege.objects.create(
        client=client,
        kind=Privilege.Kind.MANUFACTURING_RULING,
        reference="H301234",
        ruling_type=Privilege.RulingType.SPECIFIC,
        granted_on=dt.date(2024, 1, 1),
    )
    Privilege.objects.create(
        client=client,
        kind=Privilege.Kind.WAIVER_PRIOR_NOTICE,
        reference="WPN-2024-7",
        granted_on=dt.date(2024, 1, 1),
    )


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


def load_rows(client, folder: Path, files: dict[str, tuple[str, list[str]]]) -> None:
    """Write each kind's header and rows to a CSV in `folder` and load it for `client`: all must load."""
    for kind, (header, data) in files.items():
        path = folder / f"{kind}.csv"
        path.write_text("\n".join([header, *data]) + "\n", encoding="utf-8")
        result = load(kind, path, client)
        assert result.loaded, [e.describe() for e in result.errors]


def retail_setup(client) -> None:
    """The sample tariff, and a waiver of prior notice for `client` (its exports were not announced by a
    notice of intent): what the retail-return tests load before their files."""
    import datetime as dt

    from drawback.accounts.models import Privilege

    load("hts", Path(__file__).resolve().parents[1] / "fixtures" / "hts_sample.csv", None)
    Privilege.objects.create(
        client=client,
        kind=Privilege.Kind.WAIVER_PRIOR_NOTICE,
        reference="WPN-2024-7",
        granted_on=dt.date(2024, 1, 1),
    )
