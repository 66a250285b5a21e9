"""Generated client data for the optimizer benchmark: realistic shapes, reproducible from a seed.

A client importing `products` kinds of goods (each its own 8-digit subheading and unit) over six and a half
years, with entry lines of a few hundred to a few thousand units, Column 1 duty at the product's rate, a
Section 301 duty on the Chinese-origin lines, MPF and HMF; exports over the last six years at prices around
the import price (sometimes below it, so the lesser-of matters), one in ten to Canada or Mexico, a few named
by direct identification, a few destructions with recovered materials.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from drawback.lib import entry_numbers

from .model import Ch99Duty, Disposition, Export, ImportLine, LineKey, Settings, bulk
from .tariff import TariffIndex, TariffRow

FILING_DATE = dt.date(2026, 11, 26)
FIRST_IMPORT = dt.date(2020, 5, 1)
LAST_IMPORT = dt.date(2026, 10, 31)
FIRST_EXPORT = dt.date(2021, 1, 1)
LAST_EXPORT = dt.date(2026, 11, 25)
CENT = Decimal("0.01")


@dataclass
class BenchData:
    lines: list[ImportLine]
    exports: list[Export]
    tariff: TariffIndex
    settings: Settings
    products: int


def _money(values: np.ndarray) -> list[Decimal]:
    # Whole cents from integers: exact, and far quicker than quantizing a million Decimals.
    return [Decimal(int(c)).scaleb(-2) for c in np.rint(values * 100).astype(np.int64)]


def generate(imports: int, exports: int, *, products: int | None = None, seed: int = 1) -> BenchData:
    with bulk():
        return _generate(imports, exports, products, seed)


def _generate(imports: int, exports: int, products: int | None, seed: int) -> BenchData:
    rng = np.random.default_rng(seed)
    products = products or max(10, imports // 5000)
    # Product sizes vary (a few big sellers, many small ones), without any one product taking over.
    weights = rng.lognormal(0.0, 0.6, products)
    weights /= weights.sum()
    uoms = np.array(["NO", "KG", "DOZ", "M2", "PRS"])
    product_uom = uoms[rng.integers(0, len(uoms), products)]
    product_price = np.exp(rng.uniform(np.log(2.0), np.log(400.0), products))
    product_rate = rng.choice([0.02, 0.035, 0.05, 0.065, 0.08, 0.12, 0.165, 0.25], products)
    product_china = rng.uniform(0.0, 0.8, products)  # share of lines from China (Section 301 list 3)
    product_hts = [f"{3900 + k // 90:04d}{(k % 90) + 10:02d}00" for k in range(products)]
    tariff_rows = []
    for k, h8 in enumerate(product_hts):
        rate = f"{product_rate[k] * 100:g}%"
        tariff_rows.append(TariffRow(h8, f"Article group {k}", rate))
        tariff_rows.append(TariffRow(h8 + "10", f"Article group {k}, first kind"))
        tariff_rows.append(TariffRow(h8 + "20", f"Article group {k}, second kind"))

    # Import lines.
    p_of_line = rng.choice(products, imports, p=weights)
    span = (LAST_IMPORT - FIRST_IMPORT).days
    day = rng.integers(0, span + 1, imports)
    qty = rng.integers(20, 3000, imports)
    unit_value = product_price[p_of_line] * rng.lognormal(0.0, 0.35, imports)
    value = qty * unit_value
    duty = value * product_rate[p_of_line]
    china = rng.uniform(size=imports) < product_china[p_of_line]
    sec301 = np.where(china, value * 0.25, 0.0)
    mpf = np.clip(value * 0.003464, 0.0, 651.50)
    hmf = np.where(rng.uniform(size=imports) < 0.7, value * 0.00125, 0.0)
    values, duties, s301s, mpfs, hmfs = (_money(a) for a in (value, duty, sec301, mpf, hmf))
    first_ordinal = FIRST_IMPORT.toordinal()
    lines = []
    seq = 0
    for i in range(imports):
        line_number = i % 4 + 1
        if line_number == 1:
            seq += 1
            entry = entry_numbers.make("B76", seq)
        h = product_hts[p_of_line[i]] + ("10" if i % 3 else "20")
        lines.append(
            ImportLine(
                entry_number=entry,
                line_number=line_number,
                import_date=dt.date.fromordinal(first_ordinal + int(day[i])),
                hts=h,
                quantity=Decimal(int(qty[i])),
                uom=str(product_uom[p_of_line[i]]),
                entered_value=values[i],
                duty=duties[i],
                ch99=(Ch99Duty("9903.88.03", s301s[i]),) if china[i] else (),
                mpf=mpfs[i],
                hmf=hmfs[i],
                country_of_origin="CN" if china[i] else "VN",
            )
        )

    # Exports.
    p_of_export = rng.choice(products, exports, p=weights)
    espan = (LAST_EXPORT - FIRST_EXPORT).days
    eday = rng.integers(0, espan + 1, exports)
    eqty = rng.integers(20, 5000, exports)
    eunit = product_price[p_of_export] * rng.lognormal(0.15, 0.45, exports)
    evalues = _money(eqty * eunit)
    dest = rng.choice(
        ["GB", "DE", "JP", "KR", "AU", "BR", "CA", "MX"],
        exports,
        p=[0.2, 0.2, 0.15, 0.1, 0.1, 0.15, 0.06, 0.04],
    )
    destroy = rng.uniform(size=exports) < 0.01
    recovered = _money(eqty * eunit * rng.uniform(0.0, 0.3, exports))
    direct = rng.uniform(size=exports) < 0.02
    by_product: dict[int, list[int]] = {}
    for i in range(imports):
        by_product.setdefault(int(p_of_line[i]), []).append(i)
    first_export = FIRST_EXPORT.toordinal()
    out = []
    for j in range(exports):
        p = int(p_of_export[j])
        export_date = dt.date.fromordinal(first_export + int(eday[j]))
        named = None
        if direct[j] and by_product.get(p):
            candidates = by_product[p]
            i = candidates[int(rng.integers(0, len(candidates)))]
            if lines[i].import_date <= export_date:
                named = LineKey(lines[i].entry_number, lines[i].line_number)
        out.append(
            Export(
                ref=f"X{j + 1:08d}",
                export_date=export_date,
                hts=product_hts[p] + ("10" if j % 2 else "20"),
                quantity=Decimal(int(eqty[j])),
                uom=str(product_uom[p]),
                value=evalues[j],
                destination="" if destroy[j] else str(dest[j]),
                disposition=Disposition.DESTROY if destroy[j] else Disposition.EXPORT,
                recovered_value=recovered[j] if destroy[j] else Decimal(0),
                direct_line=named,
            )
        )
    return BenchData(lines, out, TariffIndex(tariff_rows), Settings(filing_date=FILING_DATE), products)
