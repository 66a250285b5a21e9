"""`bench_types`: the drawback type choice on a generated manufacturer at several sizes; prints time, arcs and
refund per size, without the alternatives, then with each export's alternative: the whole claim re-optimised
(one more mixed-integer solve per export and type, sizes up to 50) and the same claim with only that export
changed (a warm LP re-solve each, every size). Needs no database.

The manufacturer makes one article from two components; each lot (ten exports) records the import lines it
used; a tenth of the exports of the article are returns with their import line; finished articles are also
imported, so every export can go under more than one type.
"""

import datetime as dt
import json
import random
import resource
import time
from decimal import Decimal

from django.core.management.base import BaseCommand

from claims.engine.model import Disposition, Export, ImportLine, LineKey, Settings
from claims.engine.tariff import TariffIndex, TariffRow
from claims.manufacturing import rules
from claims.manufacturing.types import AlternativeBasis, choose_types
from drawback.lib.chapter99 import Chapter99Table

DEFAULT_SIZES = "50,200,1000"
WHOLE_CLAIM_UP_TO = 50  # one more mixed-integer solve per export and type: small clients only
ARTICLE, RESIN, BOLTS = "8516604060", "3926909990", "7318152095"


def family_codes(family: int) -> tuple[str, str, str]:
    """The article's and components' HTS of a product family: family 0 is the oven; the others are made-up
    numbers, each its own 8-digit subheading (so the families share no import)."""
    if family == 0:
        return ARTICLE, RESIN, BOLTS
    return (
        f"{int(ARTICLE) + family * 10_000:010d}",
        f"{int(RESIN) + family * 100_000:010d}",
        f"{int(BOLTS) + family * 100_000:010d}",
    )


def tariff(families: int) -> TariffIndex:
    rows = []
    for family in range(families):
        article, resin, bolts = family_codes(family)
        rows += [
            TariffRow(article[:8], "Cooking stoves, ranges and ovens", "2.7%"),
            TariffRow(article, "Ovens"),
            TariffRow(resin[:8], "Other", "5.3%"),
            TariffRow(resin, "Other"),
            TariffRow(bolts[:8], "Bolts and bolts and their nuts", "2.5¢/kg + 5%"),
            TariffRow(bolts, "Other"),
        ]
    return TariffIndex(rows)


TARIFF = tariff(1)


def generate(exports: int, seed: int = 1, families: int = 1) -> dict:
    """`families` product families of the same shape side by side (lines and exports dealt round them): the
    eligible arcs then grow with the size times the size of a family, not with the size squared."""
    rng = random.Random(seed)
    start = dt.date(2023, 1, 2)
    lines, out, lots, returns = [], [], [], []
    for n in range(exports * 2):
        article, resin, bolts = family_codes((n // 3) % families)
        hts = (resin, bolts, article)[n % 3]
        is_article = hts == article
        qty = rng.randint(50, 500) if is_article else rng.randint(500, 5000)
        value = qty * rng.randint(2, 400 if is_article else 8)
        lines.append(
            ImportLine(
                entry_number=f"M4K{n:07d}0",
                line_number=1,
                import_date=start + dt.timedelta(days=rng.randint(0, 700)),
                hts=hts,
                quantity=Decimal(qty),
                uom="NO" if is_article else "KG",
                entered_value=Decimal(value),
                duty=(Decimal(value) * Decimal("0.04")).quantize(Decimal("0.01")),
                mpf=Decimal(rng.choice([0, 0, 25])),
            )
        )
    articles: dict[str, list[ImportLine]] = {}
    for x in lines:
        articles.setdefault(x.hts, []).append(x)
    for n in range(exports):
        article = family_codes(n % families)[0]
        day = start + dt.timedelta(days=400 + rng.randint(0, 700))
        direct = rng.choice(articles[article]) if n % 10 == 9 else None
        out.append(
            Export(
                ref=f"X{n:08d}",
                export_date=day,
                hts=article,
                quantity=Decimal(rng.randint(5, 60)),
                uom="NO",
                value=Decimal(rng.randint(5, 60) * 300),
                destination="DE",
                disposition=Disposition.EXPORT,
                direct_line=direct.key if direct else None,
            )
        )
        if direct is not None:
            returns.append(
                rules.Return(
                    f"R{n}",
                    "defective",
                    direct.key,
                    Decimal(5),
                    "NO",
                    direct.import_date,
                    direct.import_date,
                    "QA report",
                    "",
                    rng.random() < 0.5,
                    f"X{n:08d}",
                )
            )
    boms = {}
    for family in range(families):
        article, resin, bolts = family_codes(family)
        part = "OV" if family == 0 else f"OV{family}"
        components = (
            rules.Component(resin, Decimal("4"), "KG", Decimal("3")),
            rules.Component(bolts, Decimal("2.5"), "KG", Decimal("4.2")),
        )
        boms[part] = rules.Bom(
            part, article, "NO", "H1", components, (rules.WasteItem(resin, Decimal("0.4"), Decimal("0.5")),)
        )
        made = [e for e in out if e.direct_line is None and e.hts == article]
        for k in range(0, len(made), 10):
            group = made[k : k + 10]
            first = min(e.export_date for e in group)
            used = [x for x in lines if x.hts in (resin, bolts) and x.import_date < first]
            uses = tuple(
                rules.LotUse(x.hts, Decimal(100), LineKey(x.entry_number, 1))
                for x in rng.sample(used, min(4, len(used)))
            )
            lots.append(
                rules.Lot(
                    f"L{k}" if family == 0 else f"L{family}-{k}",
                    part,
                    Decimal(500),
                    first - dt.timedelta(days=30),
                    first - dt.timedelta(days=1),
                    uses,
                    tuple(e.ref for e in group),
                )
            )
    return {
        "lines": lines,
        "exports": out,
        "tariff": TARIFF if families == 1 else tariff(families),
        "chapter99": Chapter99Table([]),
        "settings": Settings(filing_date=dt.date(2026, 12, 1)),
        "boms": boms,
        "lots": lots,
        "rulings": [rules.Ruling("H1", dt.date(2020, 1, 1))],
        "returns": returns,
    }


class Command(BaseCommand):
    help = (
        "Benchmark the drawback type choice on a generated manufacturer (sizes = exports, comma separated)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"default {DEFAULT_SIZES}")
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument(
            "--families",
            type=int,
            default=1,
            help="product families side by side, each its own subheadings (default 1: one family)",
        )
        parser.add_argument(
            "--alternatives",
            choices=["all", "this_export"],
            default="all",
            help="this_export: skip the choice alone and the whole-claim alternatives (large sizes)",
        )

    def handle(self, *args, sizes, repeat, families, alternatives, **options):
        bases = [None, AlternativeBasis.WHOLE_CLAIM, AlternativeBasis.THIS_EXPORT]
        if alternatives == "this_export":
            bases = [AlternativeBasis.THIS_EXPORT]
        for size in (int(s) for s in sizes.split(",")):
            data = generate(size, families=families)
            for basis in bases:
                if basis == AlternativeBasis.WHOLE_CLAIM and size > WHOLE_CLAIM_UP_TO:
                    continue
                times, alternative_times = [], []
                for _ in range(repeat):
                    started = time.perf_counter()
                    result = choose_types(
                        **data, alternatives=basis is not None, basis=basis or AlternativeBasis.WHOLE_CLAIM
                    )
                    times.append(time.perf_counter() - started)
                    alternative_times.append(result.alternatives_seconds)
                kinds = {}
                for c in result.choices:
                    kinds[str(c.chosen)] = kinds.get(str(c.chosen), 0) + 1
                figures = {
                    "exports": size,
                    "lines": len(data["lines"]),
                    "families": families,
                    "alternatives": basis.value if basis else False,
                    "arcs": result.arcs,
                    "seconds_min": round(min(times), 3),
                    "seconds_max": round(max(times), 3),
                    "refund": f"{result.refund:.2f}",
                    "types": kinds,
                    # the largest resident memory of the process so far (KB on Linux): one size a command
                    "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                }
                if basis is not None:
                    figures["alternatives_seconds_min"] = round(min(alternative_times), 3)
                    figures["alternatives_seconds_max"] = round(max(alternative_times), 3)
                    figures["with_alternative"] = sum(c.alternative is not None for c in result.choices)
                self.stdout.write(json.dumps(figures))
