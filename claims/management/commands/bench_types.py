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
TARIFF = TariffIndex(
    [
        TariffRow("85166040", "Cooking stoves, ranges and ovens", "2.7%"),
        TariffRow("8516604060", "Ovens"),
        TariffRow("39269099", "Other", "5.3%"),
        TariffRow("3926909990", "Other"),
        TariffRow("73181520", "Bolts and bolts and their nuts", "2.5¢/kg + 5%"),
        TariffRow("7318152095", "Other"),
    ]
)


def generate(exports: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    start = dt.date(2023, 1, 2)
    lines, out, lots, returns = [], [], [], []
    for n in range(exports * 2):
        hts = [RESIN, BOLTS, ARTICLE][n % 3]
        qty = rng.randint(50, 500) if hts == ARTICLE else rng.randint(500, 5000)
        value = qty * rng.randint(2, 400 if hts == ARTICLE else 8)
        lines.append(
            ImportLine(
                entry_number=f"M4K{n:07d}0",
                line_number=1,
                import_date=start + dt.timedelta(days=rng.randint(0, 700)),
                hts=hts,
                quantity=Decimal(qty),
                uom="NO" if hts == ARTICLE else "KG",
                entered_value=Decimal(value),
                duty=(Decimal(value) * Decimal("0.04")).quantize(Decimal("0.01")),
                mpf=Decimal(rng.choice([0, 0, 25])),
            )
        )
    articles = [x for x in lines if x.hts == ARTICLE]
    for n in range(exports):
        day = start + dt.timedelta(days=400 + rng.randint(0, 700))
        direct = rng.choice(articles) if n % 10 == 9 else None
        out.append(
            Export(
                ref=f"X{n:08d}",
                export_date=day,
                hts=ARTICLE,
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
    components = (
        rules.Component(RESIN, Decimal("4"), "KG", Decimal("3")),
        rules.Component(BOLTS, Decimal("2.5"), "KG", Decimal("4.2")),
    )
    bom = rules.Bom(
        "OV", ARTICLE, "NO", "H1", components, (rules.WasteItem(RESIN, Decimal("0.4"), Decimal("0.5")),)
    )
    made = [e for e in out if e.direct_line is None]
    for k in range(0, len(made), 10):
        group = made[k : k + 10]
        first = min(e.export_date for e in group)
        used = [x for x in lines if x.hts != ARTICLE and x.import_date < first]
        uses = tuple(
            rules.LotUse(x.hts, Decimal(100), LineKey(x.entry_number, 1))
            for x in rng.sample(used, min(4, len(used)))
        )
        lots.append(
            rules.Lot(
                f"L{k}",
                "OV",
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
        "tariff": TARIFF,
        "chapter99": Chapter99Table([]),
        "settings": Settings(filing_date=dt.date(2026, 12, 1)),
        "boms": {"OV": bom},
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

    def handle(self, *args, sizes, repeat, **options):
        for size in (int(s) for s in sizes.split(",")):
            data = generate(size)
            for basis in (None, AlternativeBasis.WHOLE_CLAIM, AlternativeBasis.THIS_EXPORT):
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
                    "alternatives": basis.value if basis else False,
                    "arcs": result.arcs,
                    "seconds_min": round(min(times), 3),
                    "seconds_max": round(max(times), 3),
                    "refund": f"{result.refund:.2f}",
                    "types": kinds,
                }
                if basis is not None:
                    figures["alternatives_seconds_min"] = round(min(alternative_times), 3)
                    figures["alternatives_seconds_max"] = round(max(alternative_times), 3)
                    figures["with_alternative"] = sum(c.alternative is not None for c in result.choices)
                self.stdout.write(json.dumps(figures))
