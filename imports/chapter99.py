"""The Chapter 99 table: which trade action a Chapter 99 number belongs to and whether it can be drawn back.

Product decision 8: eligibility is read by the import's entry date against the table's dates; `unknown`
headings and partial openings count as not eligible until a firm admin decides otherwise.
"""

import csv
import datetime as dt
from pathlib import Path

from django.db import transaction

from drawback.lib.dates import parse_date

from .models import Chapter99Heading

SEED_CSV = Path(__file__).resolve().parent / "data" / "chapter99.csv"
FIELDS = (
    "program",
    "ch99_from",
    "ch99_to",
    "description",
    "effective_from",
    "effective_to",
    "drawback_eligible",
    "basis",
    "source_url",
)


def chapter99_load(*, path: Path = SEED_CSV, heading_model=Chapter99Heading) -> tuple[int, int]:
    """Create or update headings from a CSV in the shared layout. Returns (created, updated). Repeatable."""
    created = updated = 0
    with open(path, newline="", encoding="utf-8-sig") as handle, transaction.atomic():
        for row in csv.DictReader(handle):
            values = {
                "program": row["program"].strip(),
                "ch99_to": row["ch99_to"].strip(),
                "description": row["description"].strip(),
                "effective_from": parse_date(row["effective_from"], formats=("iso",)),
                "effective_to": parse_date(row["effective_to"], formats=("iso",)),
                "drawback_eligible": row["drawback_eligible"].strip().lower(),
                "basis": row["basis"].strip(),
                "source_url": row["source_url"].strip(),
            }
            _, was_created = heading_model.objects.update_or_create(
                ch99_from=row["ch99_from"].strip(), defaults=values
            )
            created += was_created
            updated += not was_created
    return created, updated


def heading_for(number: str, headings=None) -> Chapter99Heading | None:
    """The heading whose range holds `number` (`9903.NN.NN`); ranges do not overlap."""
    qs = headings if headings is not None else Chapter99Heading.objects.all()
    return qs.filter(ch99_from__lte=number, ch99_to__gte=number).first()


def in_effect(heading: Chapter99Heading, entry_date: dt.date) -> bool:
    if heading.effective_from and entry_date < heading.effective_from:
        return False
    return not (heading.effective_to and entry_date > heading.effective_to)
