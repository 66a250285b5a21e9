"""Small builders for engine tests: lines, exports and a tariff written the way analysts read them."""

import datetime as dt
from decimal import Decimal

from claims.engine import csvio
from claims.engine.model import Ch99Duty, Disposition, Election, Export, ImportLine, LineKey, Settings
from claims.engine.tariff import TariffIndex, TariffRow

CH99 = csvio.load_chapter99()

# A few subheadings with every rate form and the "Other" wordings (shaped like the USITC download).
TARIFF = TariffIndex(
    [
        TariffRow("61091000", "Of cotton", "16.5%"),
        TariffRow("6109100012", "Men's or boys': Other T-shirts"),
        TariffRow("6109100040", "Women's or girls'"),
        TariffRow("71023900", "Other", "Free"),
        TariffRow("7102390010", "Weighing not over 0.5 carat each"),
        TariffRow("7102390050", "Weighing over 0.5 carat each"),
        TariffRow("39269099", "Other", "5.3%"),
        TariffRow("3926909990", "Other"),
        TariffRow("20098920", "Juice of any other single fruit", "1.4¢/kg"),
        TariffRow("73181520", "Bolts and bolts and their nuts", "2¢/kg + 5%"),
        TariffRow("7318152095", "Other"),
        TariffRow("85166040", "Cooking stoves, ranges and ovens", "3%"),
        TariffRow("72083600", "Of a thickness exceeding 10 mm", "Free"),
    ]
)

HTS = {
    "ad_valorem": "6109100012",
    "specific": "2009892000",
    "compound": "7318152095",
    "other": "7102390010",
    "other_other": "3926909990",
    "three_percent": "8516604060",
    "steel": "7208360030",
}


def d(text) -> Decimal:
    return Decimal(str(text))


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def line(
    entry: str = "B7603245278",
    number: int = 1,
    *,
    date: str = "2024-02-01",
    hts: str = HTS["ad_valorem"],
    qty="1000",
    uom: str = "DOZ",
    value="10000",
    duty="0",
    ch99: dict | None = None,
    mpf="0",
    hmf="0",
    adcvd="0",
    available=None,
    election: Election | None = None,
) -> ImportLine:
    return ImportLine(
        entry_number=entry,
        line_number=number,
        import_date=day(date),
        hts=hts,
        quantity=d(qty),
        uom=uom,
        entered_value=d(value),
        duty=d(duty),
        ch99=tuple(Ch99Duty(k, d(v)) for k, v in (ch99 or {}).items()),
        mpf=d(mpf),
        hmf=d(hmf),
        adcvd=d(adcvd),
        available=None if available is None else d(available),
        election=election,
    )


def export(
    ref: str = "X1",
    *,
    date: str = "2024-06-01",
    hts: str = HTS["ad_valorem"],
    qty="100",
    uom: str = "DOZ",
    value="1000",
    dest: str = "GB",
    destroy: bool = False,
    recovered="0",
    direct: tuple[str, int] | None = None,
    excepted: bool = False,
) -> Export:
    return Export(
        ref=ref,
        export_date=day(date),
        hts=hts,
        quantity=d(qty),
        uom=uom,
        value=d(value),
        destination="" if destroy else dest,
        disposition=Disposition.DESTROY if destroy else Disposition.EXPORT,
        recovered_value=d(recovered),
        direct_line=LineKey(*direct) if direct else None,
        excepted_goods=excepted,
    )


def settings(filing: str = "2026-11-26", **kwargs) -> Settings:
    return Settings(filing_date=day(filing), **kwargs)
