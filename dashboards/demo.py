"""Demo data for `manage.py seed_demo`: files in the real formats users bring, generated deterministically.

The demo loads them through the same ingestion pipeline as a user's upload, so what an evaluator sees on
the pages is what the product does with real files. Amounts, parties and numbers are invented; entry
numbers carry valid check digits; HTS rates are illustrative.
"""

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from drawback.lib.entry_numbers import make as make_entry_number
from imports.ingest.es003 import REPORT_COLUMNS

TODAY = dt.date(2026, 11, 26)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Product:
    hts: str  # 10 digits
    description: str
    uom: str
    unit_value: tuple[int, int]  # dollars per unit, low-high
    rate: str  # general rate as the USITC prints it
    ch99_301: str = ""  # Section 301 heading for Chinese goods
    ch99_301_rate: str = "0"
    steel: bool = False


ACME_PRODUCTS = [
    Product("6109100012", "Men's cotton T-shirts", "DOZ", (40, 90), "16.5%", "9903.88.15", "0.075"),
    Product("6109100004", "Men's white cotton T-shirts", "DOZ", (35, 70), "16.5%", "9903.88.15", "0.075"),
    Product(
        "4202923120", "Backpacks, outer surface of textile", "NO", (8, 25), "17.6%", "9903.88.03", "0.25"
    ),
    Product("8516604060", "Ovens", "NO", (45, 180), "2.7%", "9903.88.03", "0.25"),
    Product("8471300100", "Portable computers", "NO", (220, 900), "Free"),
    Product("3923900080", "Plastic articles for packing", "KG", (2, 6), "3%", "9903.88.03", "0.25"),
    Product("7318152095", "Steel bolts with nuts", "KG", (3, 8), "2.5¢/kg + 5%", steel=True),
]
BOREALIS_PRODUCTS = [
    Product("2009892000", "Juice of a single fruit", "L", (1, 3), "0.5¢/liter"),
    Product("7102390010", "Diamonds, non-industrial, not over 0.5 carat", "CT", (60, 160), "Free"),
    Product("7102390050", "Diamonds, non-industrial, over 0.5 carat", "CT", (300, 900), "Free"),
    Product("2204215040", "Red wine in containers not over 2 liters", "L", (4, 14), "6.3¢/liter"),
    Product("3304990000", "Beauty and make-up preparations", "KG", (12, 40), "Free", "9903.88.15", "0.075"),
]

TARIFF_ROWS = [
    # (HTS Number, Indent, Description, Unit of Quantity, General Rate of Duty)
    ("6109.10.00", "1", "Of cotton", "", "16.5%"),
    ("6109.10.00.04", "2", "Men's or boys': T-shirts, all white, short hemmed sleeves", "doz. kg", ""),
    ("6109.10.00.12", "2", "Men's or boys': Other T-shirts", "doz. kg", ""),
    (
        "4202.92.31",
        "1",
        "Travel, sports and similar bags: with outer surface of textile materials",
        "",
        "17.6%",
    ),
    ("4202.92.31.20", "2", "Backpacks", "No. kg", ""),
    ("8516.60.40", "1", "Cooking stoves, ranges and ovens", "", "2.7%"),
    ("8516.60.40.60", "2", "Ovens", "No.", ""),
    (
        "8471.30.01",
        "1",
        "Portable automatic data processing machines, weighing not more than 10 kg",
        "No.",
        "Free",
    ),
    ("8471.30.01.00", "2", "", "No.", ""),
    ("3923.90.00", "1", "Other", "", "3%"),
    ("3923.90.00.80", "2", "Other", "kg", ""),
    (
        "7318.15.20",
        "1",
        "Bolts and bolts and their nuts or washers entered or exported in the same shipment",
        "",
        "2.5¢/kg + 5%",
    ),
    ("7318.15.20.95", "2", "Other", "kg", ""),
    ("2009.89.20", "1", "Juice of any other single fruit", "", "0.5¢/liter"),
    ("2009.89.20.00", "2", "", "liters", ""),
    ("7102.39.00", "1", "Other", "", "Free"),
    ("7102.39.00.10", "2", "Weighing not over 0.5 carat each", "carat", ""),
    ("7102.39.00.50", "2", "Weighing over 0.5 carat each", "carat", ""),
    ("2204.21.50", "1", "In containers holding not over 2 liters: Other", "", "6.3¢/liter"),
    ("2204.21.50.40", "2", "Red wine", "liters", ""),
    ("3304.99.00", "1", "Other", "", "Free"),
    ("3304.99.00.00", "2", "Other", "kg", ""),
]

# The ACE report's columns and the merchandise description brokers' exports add: a product is found by name.
ES003_HEADER = [*REPORT_COLUMNS, "Merchandise Description"]
AES_HEADER = [
    "ITN",
    "Shipment Reference Number",
    "Date of Export",
    "USPPI EIN",
    "USPPI Name",
    "Ultimate Consignee Name",
    "Country of Ultimate Destination",
    "Port of Export",
    "Mode of Transportation",
    "Schedule B/HTS Number",
    "Commodity Description",
    "Domestic/Foreign Indicator",
    "Quantity 1",
    "Unit of Measure 1",
    "Shipping Weight (kg)",
    "Value of Goods (USD)",
    "Export Information Code",
    "License Code",
]
FEES_HEADER = ["Entry Summary Number", "MPF Amount", "HMF Amount"]


@dataclass(frozen=True)
class DemoClient:
    code: str
    legal_name: str
    importer_number: str
    filers: tuple[str, ...]
    products: list[Product]
    origins: tuple[str, ...]
    entries: int
    exports: int
    seed: int


DEMO_CLIENTS = [
    DemoClient(
        "acme",
        "Acme Outfitters Inc",
        "12-3456789AB",
        ("B76", "EJ8", "9K2"),
        ACME_PRODUCTS,
        ("CN", "CN", "CN", "VN", "IN"),
        900,
        400,
        20261,
    ),
    DemoClient(
        "borealis",
        "Borealis Trading LLC",
        "98-7654321AA",
        ("NW4", "M12"),
        BOREALIS_PRODUCTS,
        ("BE", "IN", "FR", "CN", "ZA"),
        350,
        160,
        20262,
    ),
]
CONSIGNEES = {
    "GB": "Global Retail Ltd",
    "DE": "Handelshaus Nord GmbH",
    "JP": "Sakura Trading KK",
    "AU": "Southern Cross Imports",
    "NL": "Delta Distributie BV",
    "CA": "Maple Wholesale Ltd",
    "MX": "Comercial del Norte SA",
    "AE": "Gulf Gems FZE",
}


def money(value: Decimal) -> str:
    return f"${value.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def us_date(day: dt.date) -> str:
    return day.strftime("%m/%d/%Y")


def _ch99_rows(
    product: Product, origin: str, entry_date: dt.date, value: Decimal
) -> list[tuple[str, Decimal]]:
    """The Chapter 99 additional duties such a line would carry on its entry date."""
    rows: list[tuple[str, Decimal]] = []
    if origin == "CN" and product.ch99_301 and entry_date >= dt.date(2019, 9, 1):
        rows.append((product.ch99_301.replace(".", ""), value * Decimal(product.ch99_301_rate)))
    if product.steel and entry_date >= dt.date(2025, 3, 12):
        rows.append(("99038191", value * Decimal("0.25")))  # Section 232 steel: never drawn back
    if dt.date(2025, 3, 4) <= entry_date <= dt.date(2026, 2, 23) and origin == "CN":
        rows.append(("99030124", value * Decimal("0.20")))  # IEEPA China fentanyl: no drawback
    if dt.date(2025, 4, 5) <= entry_date <= dt.date(2026, 2, 23):
        heading = "99030163" if origin == "CN" else "99030125"
        rows.append((heading, value * Decimal("0.10")))  # IEEPA reciprocal: eligible
    if dt.date(2026, 2, 24) <= entry_date <= dt.date(2026, 7, 23):
        rows.append(("99030301", value * Decimal("0.10")))  # Section 122 surcharge: eligible
    if entry_date >= dt.date(2026, 7, 24) and origin == "CN":
        rows.append(("99030520", value * Decimal("0.15")))  # 2026 forced-labor 301: eligibility unknown
    return rows


def _duty(product: Product, value: Decimal, quantity: int) -> Decimal:
    rate = product.rate
    if rate == "Free":
        return Decimal("0")
    total = Decimal("0")
    for part in (p.strip() for p in rate.split("+")):
        if part.endswith("%"):
            total += value * Decimal(part[:-1]) / 100
        else:
            amount, _ = part.split("/")
            total += Decimal(amount.replace("¢", "")) / 100 * quantity
    return total


def generate(client: DemoClient) -> dict[str, str]:
    """CSV texts for one client: ES-003 lines, entry fees, AES exports, canonical exports (DI/destroyed)."""
    rng = random.Random(client.seed)
    es003 = io.StringIO()
    fees = io.StringIO()
    w = csv.writer(es003, lineterminator="\n")
    f = csv.writer(fees, lineterminator="\n")
    w.writerow(ES003_HEADER)
    f.writerow(FEES_HEADER)
    lines = []  # (entry number, line number, product, date, quantity, value)
    start = dt.date(2021, 6, 1)
    span = (dt.date(2026, 10, 31) - start).days
    for n in range(client.entries):
        filer = client.filers[n % len(client.filers)]
        number = make_entry_number(filer, 1_000_000 + client.seed % 1000 * 1000 + n)
        entry_date = start + dt.timedelta(days=rng.randrange(span))
        origin = rng.choice(client.origins)
        port = rng.choice(["2704", "1001", "5301"])
        summary_date = entry_date + dt.timedelta(days=8)
        liquidation = entry_date + dt.timedelta(days=314)
        liq_date, liq_status = (us_date(liquidation), "LIQUIDATED") if liquidation < TODAY else ("", "OPEN")
        entry_value = Decimal("0")
        for line_no in range(1, rng.randint(1, 7) + 1):
            product = rng.choice(client.products)
            quantity = rng.randint(50, 5000)
            value = (
                Decimal(rng.randint(product.unit_value[0] * 100, product.unit_value[1] * 100))
                / 100
                * quantity
            )
            value = value.quantize(CENT)
            entry_value += value
            common = [
                number,
                "01",
                line_no,
                client.importer_number,
                client.legal_name.upper(),
                port,
                us_date(entry_date),
                us_date(summary_date),
                origin,
                origin,
                f"{origin}MANUF{n % 97:03d}",
                "",
                "N",
            ]
            ordinal = 1
            for heading, amount in _ch99_rows(product, origin, entry_date, value):
                w.writerow(
                    [
                        *common,
                        ordinal,
                        heading,
                        "$0.00",
                        money(amount),
                        "",
                        "",
                        liq_date,
                        liq_status,
                        product.description,
                    ]
                )
                ordinal += 1
            w.writerow(
                [
                    *common,
                    ordinal,
                    product.hts,
                    money(value),
                    money(_duty(product, value, quantity)),
                    quantity,
                    product.uom,
                    liq_date,
                    liq_status,
                    product.description,
                ]
            )
            lines.append((number, line_no, product, entry_date, quantity, value, origin))
        mpf = min(max(entry_value * Decimal("0.003464"), Decimal("33.58")), Decimal("651.50"))
        hmf = entry_value * Decimal("0.00125") if port != "5301" else Decimal("0")
        f.writerow([number, money(mpf), money(hmf)])

    aes = io.StringIO()
    canonical = io.StringIO()
    a = csv.writer(aes, lineterminator="\n")
    c = csv.writer(canonical, lineterminator="\n")
    a.writerow(AES_HEADER)
    c.writerow(
        [
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
            "description",
        ]
    )
    destinations = list(CONSIGNEES)
    for n in range(client.exports):
        number, line_no, product, import_date, quantity, value, _ = rng.choice(lines)
        export_date = min(import_date + dt.timedelta(days=rng.randint(20, 900)), TODAY - dt.timedelta(days=3))
        qty = max(1, quantity // rng.randint(2, 8))
        unit = value / quantity * Decimal(rng.choice(["0.7", "0.85", "1.1", "1.25", "1.4"]))
        export_value = (unit * qty).quantize(CENT)
        kind = rng.random()
        if kind < 0.08:  # a destruction under CBP supervision, canonical file
            recovered = (export_value * Decimal("0.05")).quantize(CENT)
            c.writerow(
                [
                    f"DST-{client.code.upper()}-{n:05d}",
                    export_date.isoformat(),
                    product.hts,
                    qty,
                    product.uom,
                    export_value,
                    "",
                    "destroy",
                    recovered,
                    "",
                    "",
                    product.description,
                ]
            )
        elif kind < 0.2:  # the very goods of an import line: direct identification
            c.writerow(
                [
                    f"BOL{client.seed}{n:06d}",
                    export_date.isoformat(),
                    product.hts,
                    qty,
                    product.uom,
                    export_value,
                    rng.choice(destinations),
                    "export",
                    "",
                    number,
                    line_no,
                    product.description,
                ]
            )
        else:
            destination = rng.choice(destinations)
            itn = f"X{export_date:%Y%m%d}{client.seed % 100:02d}{n:04d}"
            a.writerow(
                [
                    itn,
                    f"SR{client.seed}{n:05d}",
                    us_date(export_date),
                    client.importer_number[:2] + client.importer_number[3:10],
                    client.legal_name.upper(),
                    CONSIGNEES[destination],
                    destination,
                    "2704",
                    "10",
                    product.hts,
                    product.description.upper(),
                    "F",
                    qty,
                    product.uom,
                    qty * 2,
                    export_value,
                    "OS",
                    "C33",
                ]
            )
    return {
        "es003": es003.getvalue(),
        "fees": fees.getvalue(),
        "aes": aes.getvalue(),
        "exports": canonical.getvalue(),
    }


def tariff_csv() -> str:
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(
        [
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
    )
    for hts, indent, description, unit, rate in TARIFF_ROWS:
        w.writerow([hts, indent, description, unit, rate, "", "", "", ""])
    return out.getvalue()


def minimal_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with a few lines of text, standing in for a scanned document."""
    text = " ".join(f"({s.replace('(', '[').replace(')', ']')}) Tj T*" for s in [title, *lines])
    stream = f"BT /F1 11 Tf 14 TL 60 780 Td {text} ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()
