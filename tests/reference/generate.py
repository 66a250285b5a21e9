"""Random small instances of the `designate` contract: imports.csv, exports.csv and a USITC-layout tariff.

Instances are small (1-8 import lines, 1-6 exports) and deliberately crowded with the cases the rules turn
on: "Other" and "Other/Other" headings, specific and compound rates, direct identification, exports to
CA/MX/CL with and without excepted goods, destructions with recovered value, eligible, ineligible and
unknown Chapter 99 numbers, dates on and around the fifth anniversary and 29 February, unit mismatches and
filing dates at the limits. The files also exercise the contract's general rules (BOM, column order,
header case, unknown columns, blank lines, HTS with and without dots, entry numbers with and without dashes).

`Profile` switches groups of cases on and off, so a test can stay inside readings that are settled while
another probes the open ones. Run `python -m tests.reference.generate SEED DIR` to write one instance.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from tests.reference.contract import anniversary, entry_check_digit, load_chapter99

TARIFF_COLUMNS = [
    "HTS Number",
    "Indent",
    "Description",
    "Unit of Quantity",
    "General Rate of Duty",
    "Special Rate of Duty",
    "Column 2 Rate of Duty",
    "Quota Quantity",
    "Additional Duties",
]
SPECIAL = "Free (A,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)"


@dataclass(frozen=True)
class Heading8:
    hts8: str  # dotted 8-digit
    description: str
    rate: str
    kind: str  # adval | specific | compound | compound_other_unit | unknown
    adval: Decimal = Decimal(0)
    specific: Decimal = Decimal(0)
    stats: tuple = ()  # (suffix, description, usitc unit)
    uom: str = "NO"
    edge: bool = False  # only in profiles that probe open readings


POOL = [
    Heading8(
        "6109.10.00",
        "Of cotton",
        "16.5%",
        "adval",
        Decimal("0.165"),
        stats=(
            ("04", "Men's or boys': T-shirts, all white", "doz. kg"),
            ("12", "Men's or boys': Other T-shirts", "doz. kg"),
        ),
        uom="DOZ",
    ),
    Heading8("3923.90.00", "Other", "3%", "adval", Decimal("0.03"), stats=(("80", "Other", "kg"),), uom="KG"),
    Heading8(
        "7102.39.00",
        "Other",
        "Free",
        "adval",
        stats=(
            ("10", "Weighing not over 0.5 carat each", "carat"),
            ("50", "Weighing over 0.5 carat each", "carat"),
        ),
        uom="CT",
    ),
    Heading8(
        "8516.60.40",
        "Cooking stoves, ranges and ovens",
        "2.7%",
        "adval",
        Decimal("0.027"),
        stats=(("60", "Ovens", "No."),),
    ),
    Heading8(
        "2009.89.20",
        "Juice of any other single fruit",
        "0.5¢/liter",
        "specific",
        specific=Decimal("0.005"),
        stats=(("00", "", "liters"),),
        uom="L",
    ),
    Heading8(
        "7318.15.20",
        "Bolts and bolts and their nuts or washers entered or exported in the same shipment",
        "2.5¢/kg + 5%",
        "compound",
        Decimal("0.05"),
        Decimal("0.025"),
        stats=(("95", "Other", "kg"),),
        uom="KG",
    ),
    Heading8(
        "6402.99.90",
        "Other:",
        "6%",
        "adval",
        Decimal("0.06"),
        stats=(("10", "For men", "prs."), ("90", "Other", "prs.")),
        uom="PRS",
    ),
    Heading8(
        "8471.30.01",
        "Portable automatic data processing machines, weighing not more than 10 kg",
        "Free",
        "adval",
        stats=(("00", "", "No."),),
    ),
    Heading8(
        "0402.10.10",
        "Described in general note 15 of the tariff schedule",
        "$1.035/kg",
        "specific",
        specific=Decimal("1.035"),
        stats=(("00", "", "kg"),),
        uom="KG",
    ),
    Heading8(
        "6110.11.00",
        "Of wool",
        "16% + 68.4¢/kg",
        "compound_other_unit",
        Decimal("0.16"),
        Decimal("0.684"),
        stats=(("10", "Sweaters for men", "doz. kg"), ("15", "Sweaters for boys", "doz. kg")),
        uom="DOZ",
        edge=True,
    ),
    Heading8(
        "8473.30.11",
        "Printed circuit assemblies",
        "The rate applicable to the article of which it is a part",
        "unknown",
        stats=(("80", "Other", "No."),),
        edge=True,
    ),
    # "Other" subheading whose only statistical row has an empty description (reading R5)
    Heading8("4202.92.31", "Other", "20%", "adval", Decimal("0.20"), stats=(("20", "", "No."),), edge=True),
    # "Other" subheading with no statistical rows in the tariff file at all (reading R5)
    Heading8("9506.99.60", "Other", "4%", "adval", Decimal("0.04"), stats=(), edge=True),
]

# (number, ad valorem share of entered value); eligibility comes from the table (reading R12)
CH99 = [
    ("9903.88.03", Decimal("0.25")),  # 301 China List 3: yes
    ("9903.88.15", Decimal("0.075")),  # 301 List 4A: yes
    ("9903.01.24", Decimal("0.10")),  # IEEPA China fentanyl: no
    ("9903.01.10", Decimal("0.25")),  # IEEPA Canada: no
    ("9903.05.01", Decimal("0.25")),  # 301 Brazil 2026: unknown
    ("9903.74.01", Decimal("0.25")),  # 232 MHDV: no, PARTIAL
    ("9903.80.01", Decimal("0.25")),  # 232 steel: no
    ("9903.99.98", Decimal("0.10")),  # in no heading
]
CH99_DATED = [
    ("9903.01.25", Decimal("0.10")),  # reciprocal: yes, 2025-04-05..2026-02-23
    ("9903.03.01", Decimal("0.10")),  # Section 122: yes, 2026-02-24..2026-07-23
    ("9903.45.21", Decimal("0.14")),  # 201 solar: yes, ..2026-02-06
]
DESTINATIONS = ["DE", "JP", "GB", "KR", "AU", "BR", "CA", "MX", "CL"]
FILERS = ["B76", "EJ8", "9K2", "CLM", "A1B", "ZZ9"]
UOMS = ["NO", "KG", "DOZ", "CT", "L", "PRS", "M2"]


@dataclass(frozen=True)
class Profile:
    edge_headings: bool = True  # unknown/compound-other-unit rates, empty or missing 10-digit rows
    ch99_out_of_window: bool = True  # dated Chapter 99 numbers on imports outside their dates
    inconsistent_duty: bool = True  # duty that does not follow the tariff rate
    export_on_filing_date: bool = True  # exports dated on the filing date (reading R3)
    destruction_above_value: bool = True  # destructions whose value per unit exceeds the import's (R11)
    direct_id_other_uom: bool = True  # direct-identification exports in another unit (R7)
    messy_files: bool = True  # BOM, column order, header case, blank lines, dots, dashes
    fractional_quantities: bool = True


FULL = Profile()
SETTLED = Profile(
    edge_headings=False,
    ch99_out_of_window=False,
    inconsistent_duty=False,
    export_on_filing_date=False,
    destruction_above_value=False,
    direct_id_other_uom=False,
)


@dataclass
class GeneratedInstance:
    seed: int
    filing_date: dt.date
    imports_csv: str
    exports_csv: str
    tariff_csv: str

    def write(self, directory: Path) -> dict[str, Path]:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = {
            "imports": directory / "imports.csv",
            "exports": directory / "exports.csv",
            "tariff": directory / "hts.csv",
        }
        paths["imports"].write_text(self.imports_csv, encoding="utf-8")
        paths["exports"].write_text(self.exports_csv, encoding="utf-8")
        paths["tariff"].write_text(self.tariff_csv, encoding="utf-8")
        return paths


_HEADINGS = load_chapter99()


def _in_window(number: str, day: dt.date) -> bool:
    """True unless the number's table row is dated and `day` falls outside it."""
    for h in _HEADINGS:
        if h.ch99_from <= number <= h.ch99_to:
            return (h.effective_from is None or day >= h.effective_from) and (
                h.effective_to is None or day <= h.effective_to
            )
    return True


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def entry_number(rng: random.Random, dashes: bool) -> str:
    filer = rng.choice(FILERS)
    seq = f"{rng.randrange(10**7):07d}"
    check = entry_check_digit(filer, seq)
    return f"{filer}-{seq}-{check}" if dashes else f"{filer}{seq}{check}"


def dotted10(hts8: str, suffix: str, rng: random.Random, messy: bool) -> str:
    digits = hts8.replace(".", "") + suffix
    style = rng.choice(["dots", "plain", "usitc"]) if messy else "plain"
    if style == "dots":
        return f"{digits[:4]}.{digits[4:6]}.{digits[6:]}"
    if style == "usitc":
        return f"{digits[:4]}.{digits[4:6]}.{digits[6:8]}.{digits[8:]}"
    return digits


def _quantity(rng: random.Random, profile: Profile, low: int = 1, high: int = 5000) -> Decimal:
    q = Decimal(rng.randint(low, high))
    if profile.fractional_quantities and rng.random() < 0.2:
        q += Decimal(rng.randint(1, 99)) / 100
    return q


def _days(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _write_csv(
    rng: random.Random, columns: list[str], rows: list[dict], profile: Profile, extra: bool
) -> str:
    columns = list(columns)
    if profile.messy_files:
        rng.shuffle(columns)
        if extra:
            columns.insert(rng.randrange(len(columns) + 1), "notes")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = columns
    if profile.messy_files:
        header = [
            c.upper() if rng.random() < 0.2 else (c.title() if rng.random() < 0.2 else c) for c in columns
        ]
    writer.writerow(header)
    for row in rows:
        if profile.messy_files and rng.random() < 0.1:
            out.write("\n")
        writer.writerow([row.get(c, "free text, ignored" if c == "notes" else "") for c in columns])
    text = out.getvalue()
    if profile.messy_files and rng.random() < 0.3:
        text = "\ufeff" + text
    return text


def generate(seed: int, profile: Profile = FULL) -> GeneratedInstance:
    rng = random.Random(seed)
    messy = profile.messy_files
    pool = [h for h in POOL if profile.edge_headings or not h.edge]
    # a few headings per instance, so that several lines compete for the same exports
    chosen = rng.sample(pool, rng.randint(1, 3))
    filing = dt.date(2024, 3, 1) + dt.timedelta(days=rng.randint(0, 3 * 365))

    # ---- import lines ---------------------------------------------------------------------------------
    lines = []
    n_lines = rng.randint(1, 8)
    entries = [entry_number(rng, dashes=rng.random() < 0.6 or not messy) for _ in range(rng.randint(1, 3))]
    used_keys = set()
    for _ in range(n_lines):
        heading = rng.choice(chosen)
        suffix = rng.choice(heading.stats)[0] if heading.stats else "00"
        roll = rng.random()
        five_before = anniversary(filing, -5)
        if roll < 0.12:
            import_date = five_before  # claim filed on the fifth anniversary: timely (R2)
        elif roll < 0.18:
            import_date = five_before - dt.timedelta(days=1)  # one day late
        elif roll < 0.26 and filing >= dt.date(2025, 2, 28):
            import_date = rng.choice([d for d in (dt.date(2020, 2, 29), dt.date(2024, 2, 29)) if d < filing])
        else:
            import_date = _days(rng, five_before + dt.timedelta(days=1), filing - dt.timedelta(days=1))
        qty = _quantity(rng, profile)
        if heading.kind == "compound":
            qty = Decimal(2 * rng.randint(1, 2500))  # 2.5 cents x even quantity: whole cents
        unit_value = Decimal(rng.randint(50, 20000)) / 100
        entered = cents(qty * unit_value)
        if heading.kind == "compound":
            entered = Decimal(rng.randint(5, 500000)) / 5  # multiple of 0.20: 5% is whole cents
        if heading.kind == "adval":
            duty = cents(entered * heading.adval)
        elif heading.kind == "specific":
            duty = cents(qty * heading.specific)
        elif heading.kind == "compound":
            duty = cents(qty * heading.specific + entered * heading.adval)  # exact: both parts whole cents
        elif heading.kind == "compound_other_unit":
            duty = cents(entered * heading.adval + qty * Decimal(rng.randint(1, 30)) * heading.specific)
        else:
            duty = cents(entered * Decimal(rng.randint(0, 12)) / 100)
        if profile.inconsistent_duty and rng.random() < 0.1:
            duty = cents(duty * Decimal(rng.randint(50, 150)) / 100)
        uom = heading.uom
        ch99 = []
        if rng.random() < 0.4:
            choices = [
                c for c in CH99 + CH99_DATED if profile.ch99_out_of_window or _in_window(c[0], import_date)
            ]
            for number, share in rng.sample(choices, min(len(choices), rng.randint(1, 2))):
                written = number.replace(".", "") if messy and rng.random() < 0.3 else number
                ch99.append(f"{written}={cents(entered * share)}")
        mpf = hmf = ""
        if rng.random() < 0.6:
            places = Decimal("0.0001") if rng.random() < 0.3 else Decimal("0.01")
            mpf = str((entered * Decimal("0.003464")).quantize(places, rounding=ROUND_HALF_UP))
        if rng.random() < 0.4:
            hmf = str(cents(entered * Decimal("0.00125")))
        entry = rng.choice(entries)
        number = 1
        while (entry, number) in used_keys:
            number += 1
        used_keys.add((entry, number))
        lines.append(
            {
                "entry_number": entry,
                "line_number": str(number),
                "import_date": import_date.isoformat(),
                "hts": dotted10(heading.hts8, suffix, rng, messy),
                "quantity": str(qty),
                "uom": uom if rng.random() < 0.9 or heading.kind == "compound" else rng.choice(UOMS),
                "entered_value": str(entered),
                "duty": str(duty),
                "ch99": ";".join(ch99),
                "mpf": mpf,
                "hmf": hmf,
                "country_of_origin": rng.choice(["CN", "VN", "IN", "MX", "DE"]),
                "description": "goods",
                "_heading": heading,
                "_suffix": suffix,
                "_date": import_date,
                "_qty": qty,
                "_entered": entered,
            }
        )

    # ---- exports ----------------------------------------------------------------------------------------
    exports = []
    for i in range(rng.randint(1, 6)):
        ref_line = rng.choice(lines)
        heading: Heading8 = ref_line["_heading"]
        direct = rng.random() < 0.3
        if direct:
            hts = heading.hts8.replace(".", "") + ref_line["_suffix"]
            if rng.random() < 0.2:
                hts = hts[:8] + "40"  # Schedule B number for the same goods
        else:
            roll = rng.random()
            if roll < 0.5:
                hts = heading.hts8.replace(".", "") + ref_line["_suffix"]
            elif roll < 0.75:
                others = [s[0] for s in heading.stats if s[0] != ref_line["_suffix"]] or ["40"]
                hts = heading.hts8.replace(".", "") + rng.choice(others)
            else:
                other = rng.choice(pool)
                hts = other.hts8.replace(".", "") + (other.stats[0][0] if other.stats else "00")
        uom = ref_line["uom"]
        if rng.random() < 0.1 and (not direct or profile.direct_id_other_uom):
            uom = rng.choice(UOMS)
        start = ref_line["_date"]
        fifth = anniversary(start)
        roll = rng.random()
        if roll < 0.08:
            date = start
        elif roll < 0.14:
            date = start - dt.timedelta(days=1)
        elif roll < 0.22:
            date = fifth - dt.timedelta(days=1)
        elif roll < 0.28:
            date = fifth
        elif roll < 0.32:
            date = fifth + dt.timedelta(days=1)
        elif roll < 0.38:
            date = filing - dt.timedelta(days=1)
        elif roll < 0.42:
            date = filing if profile.export_on_filing_date else filing - dt.timedelta(days=2)
        elif roll < 0.45:
            date = filing + dt.timedelta(days=1)
        else:
            date = _days(rng, start, min(fifth, filing) - dt.timedelta(days=1))
        qty = _quantity(rng, profile, 1, 3000)
        egvu = ref_line["_entered"] / ref_line["_qty"]
        price = egvu * Decimal(rng.randint(20, 250)) / 100
        value = cents(qty * price)
        destroy = rng.random() < 0.18
        recovered = ""
        if destroy:
            if not profile.destruction_above_value and price > egvu:
                value = cents(qty * egvu * Decimal(rng.randint(20, 100)) / 100)
            if rng.random() < 0.6:
                recovered = str(cents(value * Decimal(rng.randint(0, 120)) / 100))
        destination = "" if destroy else rng.choice(DESTINATIONS)
        row = {
            "export_ref": f"X{seed % 10**6:06d}{i:02d}{rng.randrange(1000):03d}",
            "export_date": date.isoformat(),
            "hts": dotted10(hts[:8], hts[8:], rng, messy) if messy else hts,
            "quantity": str(qty),
            "uom": uom,
            "value": str(value),
            "destination": destination,
            "disposition": "destroy"
            if destroy
            else rng.choice(["export", "", "Export"] if messy else ["export"]),
            "recovered_value": recovered,
            "entry_number": "",
            "line_number": "",
            "excepted_goods": "",
        }
        if destination in ("CA", "MX", "CL") and rng.random() < 0.35:
            row["excepted_goods"] = rng.choice(["true", "TRUE", "True"] if messy else ["true"])
        elif rng.random() < 0.2:
            row["excepted_goods"] = "false"
        if direct:
            entry = ref_line["entry_number"]
            if messy and rng.random() < 0.3:
                entry = entry.replace("-", "") if "-" in entry else f"{entry[:3]}-{entry[3:10]}-{entry[10]}"
            row["entry_number"] = entry
            row["line_number"] = ref_line["line_number"]
        exports.append(row)

    # ---- tariff -----------------------------------------------------------------------------------------
    tariff_rows = []
    wanted = {line["_heading"].hts8 for line in lines}
    for heading in pool:
        if heading.hts8 not in wanted and rng.random() < 0.5:
            continue
        tariff_rows.append(
            {
                "HTS Number": heading.hts8,
                "Indent": "1",
                "Description": heading.description,
                "Unit of Quantity": "",
                "General Rate of Duty": heading.rate,
                "Special Rate of Duty": SPECIAL if heading.rate not in ("Free",) else "",
            }
        )
        for suffix, description, unit in heading.stats:
            tariff_rows.append(
                {
                    "HTS Number": f"{heading.hts8}.{suffix}",
                    "Indent": "2",
                    "Description": description,
                    "Unit of Quantity": unit,
                }
            )
    out = io.StringIO()
    writer = csv.DictWriter(out, TARIFF_COLUMNS, quoting=csv.QUOTE_ALL, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(tariff_rows)
    tariff_csv = ("\ufeff" if messy and rng.random() < 0.5 else "") + out.getvalue()

    import_columns = [
        "entry_number",
        "line_number",
        "import_date",
        "hts",
        "quantity",
        "uom",
        "entered_value",
        "duty",
        "ch99",
        "mpf",
        "hmf",
        "country_of_origin",
        "description",
    ]
    export_columns = [
        "export_ref",
        "export_date",
        "hts",
        "quantity",
        "uom",
        "value",
        "destination",
        "disposition",
        "recovered_value",
        "entry_number",
        "line_number",
        "excepted_goods",
    ]
    return GeneratedInstance(
        seed=seed,
        filing_date=filing,
        imports_csv=_write_csv(rng, import_columns, lines, profile, extra=rng.random() < 0.5),
        exports_csv=_write_csv(rng, export_columns, exports, profile, extra=rng.random() < 0.5),
        tariff_csv=tariff_csv,
    )


if __name__ == "__main__":  # pragma: no cover - manual use
    seed, directory = int(sys.argv[1]), Path(sys.argv[2])
    instance = generate(seed)
    instance.write(directory)
    print(f"seed {seed}: filing date {instance.filing_date.isoformat()} -> {directory}")
