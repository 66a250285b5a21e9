"""The two-minute questionnaire: its questions, the arithmetic of the instant result, and the rating.

Pure: no Django imports, so every rule is tested in milliseconds. Each answer maps to a range (low, high);
the estimate multiplies the ranges step by step, low by low and high by high, and every step is kept to show
the prospect how the figures came about. Money is Decimal, rounded to cents once at the end of each range.

The law behind the steps:
- at most 99% of the duties, taxes and fees paid is refunded (19 U.S.C. 1313(j), (l); 19 CFR 190.51(b)(1));
- a claim must be filed within 5 years of the import (19 U.S.C. 1313(r)(1)), so the look-back is at most
  five years of imports, and the oldest year runs out day by day;
- Chapter 99 additional duties are refundable or not by trade action (docs/reference/chapter99.md):
  Section 301, 201 and 122 duties are, Section 232 duties and the IEEPA duties on Canada, Mexico and China
  (fentanyl orders) are not, antidumping/countervailing duties never are (19 U.S.C. 1677h). IEEPA
  reciprocal duties were drawback-eligible, but after Learning Resources v. Trump (Feb 20, 2026) CBP
  refunds them through CAPE and the same dollar cannot be recovered twice: they count in the high end only;
- substitution drawback (1313(j)(2)) is not available on exports to Canada and Mexico (1313(j)(4)).
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from drawback.lib.money import DRAWBACK_RATE, ZERO, to_cents

D = Decimal
ONE = D(1)


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    low: Decimal = ZERO
    high: Decimal = ZERO


def _options(*items: Option) -> dict[str, Option]:
    return {o.key: o for o in items}


# Import duties (with taxes and fees) paid per year. The open ends are assumptions, shown as such.
DUTIES = _options(
    Option("under_100k", "Less than $100,000", D(10_000), D(100_000)),
    Option("100k_500k", "$100,000 to $500,000", D(100_000), D(500_000)),
    Option("500k_2m", "$500,000 to $2 million", D(500_000), D(2_000_000)),
    Option("2m_10m", "$2 million to $10 million", D(2_000_000), D(10_000_000)),
    Option("over_10m", "More than $10 million", D(10_000_000), D(25_000_000)),
)
EXPORTS = _options(
    Option("regularly", "Yes, regularly"),
    Option("occasionally", "Yes, now and then"),
    Option("no", "No"),
)
SHARE_LEAVING = _options(
    Option("none", "None", ZERO, ZERO),
    Option("under_10", "Less than 10%", D("0.01"), D("0.10")),
    Option("10_25", "10% to 25%", D("0.10"), D("0.25")),
    Option("25_50", "25% to 50%", D("0.25"), D("0.50")),
    Option("over_50", "More than half", D("0.50"), D("0.90")),
)
DESTROYED_RETURNED = _options(
    Option("no", "No"),
    Option("destroyed", "We destroy some imported goods"),
    Option("returned", "We send defective or wrong goods back"),
    Option("both", "Both"),
)
MANUFACTURING = _options(
    Option("yes", "Yes, we make products from imported materials or parts"),
    Option("no", "No, we sell what we import as it is"),
)
CH99_SHARE = _options(
    Option("none", "None that I know of", ZERO, ZERO),
    Option("some", "Some (less than a quarter)", D("0.05"), D("0.25")),
    Option("half", "A quarter to a half", D("0.25"), D("0.50")),
    Option("most", "More than half", D("0.50"), D("0.75")),
)

ELIGIBLE, NOT_ELIGIBLE, UNCERTAIN = "eligible", "not eligible", "uncertain"


@dataclass(frozen=True)
class Program:
    key: str
    label: str
    status: str
    why: str


PROGRAMS = {
    p.key: p
    for p in (
        Program(
            "s301",
            "Section 301 (China and others)",
            ELIGIBLE,
            "Section 301 duties can be drawn back (CBP, CSMS 18-000419 and 19-000050).",
        ),
        Program(
            "s201",
            "Section 201 safeguards",
            ELIGIBLE,
            "Section 201 duties can be drawn back (CBP drawback FAQ).",
        ),
        Program(
            "s122",
            "Section 122 surcharge (2026)",
            ELIGIBLE,
            "The 2026 Section 122 surcharge can be drawn back (CSMS 67844987).",
        ),
        Program(
            "s232",
            "Section 232 (steel, aluminum, copper, autos and parts)",
            NOT_ELIGIBLE,
            "Section 232 duties cannot be drawn back (the proclamations; CSMS 19-000050); a few narrow "
            "manufacturing openings exist since late 2025.",
        ),
        Program(
            "ieepa_fentanyl",
            "IEEPA duties on Canada, Mexico or China (fentanyl orders)",
            NOT_ELIGIBLE,
            "The executive orders barred drawback of these duties (e.g. EO 14195 section 2(f)).",
        ),
        Program(
            "ieepa_reciprocal",
            "IEEPA reciprocal duties, or those on Brazil or India (2025)",
            UNCERTAIN,
            "Drawback was available, but after Learning Resources v. Trump (Feb 20, 2026) CBP refunds "
            "IEEPA duties through CAPE, and the same dollar cannot be recovered twice: counted in the high "
            "end only.",
        ),
        Program(
            "adcvd",
            "Antidumping or countervailing duties",
            NOT_ELIGIBLE,
            "Antidumping and countervailing duties are never drawback (19 U.S.C. 1677h).",
        ),
        Program(
            "unsure",
            "Not sure which",
            UNCERTAIN,
            "You are not sure which: counted in the high end only until your entry data shows it.",
        ),
    )
}
DESTINATIONS = _options(
    Option("elsewhere", "Mostly outside Canada and Mexico", ONE, ONE),
    Option("mixed", "A mix", D("0.50"), ONE),
    Option("canada_mexico", "Mostly Canada or Mexico", D("0.20"), ONE),
)
RECORDS = _options(
    Option("under_1", "Less than a year", ZERO, ONE),
    Option("1_2", "1 to 2 years", ONE, D(2)),
    Option("3_4", "3 to 4 years", D(3), D(4)),
    # The oldest of five years runs out day by day (1313(r)(1)): four years at the low end.
    Option("5_plus", "5 years or more", D(4), D(5)),
)
CURRENT_CLAIMS = _options(
    Option("none", "No", ONE, ONE),
    Option("some", "Yes, for some products", D("0.50"), D("0.90")),
    Option("most", "Yes, for most of them", D("0.10"), D("0.30")),
)
INDUSTRIES = _options(
    Option("apparel", "Apparel, footwear and textiles"),
    Option("chemicals", "Chemicals and plastics"),
    Option("electronics", "Electronics and machinery"),
    Option("automotive", "Automotive and parts"),
    Option("metals", "Metals"),
    Option("food", "Food, wine and spirits"),
    Option("energy", "Energy and petroleum"),
    Option("consumer", "Consumer goods and retail"),
    Option("pharma", "Pharmaceuticals and health"),
    Option("other", "Something else"),
)


@dataclass(frozen=True)
class Answers:
    duties: str
    exports: str
    share_leaving: str
    destroyed_returned: str
    manufacturing: str
    ch99_share: str
    ch99_programs: tuple[str, ...]
    destinations: str
    records: str
    current_claims: str
    industry: str

    @classmethod
    def from_dict(cls, data: dict) -> "Answers":
        return cls(**{**data, "ch99_programs": tuple(data.get("ch99_programs") or ())})

    def as_dict(self) -> dict:
        return {**asdict(self), "ch99_programs": list(self.ch99_programs)}


@dataclass(frozen=True)
class Step:
    """One line of the arithmetic: what multiplies, its range, the running range after it, and why."""

    label: str
    factor: str  # the factor as shown ("10% to 25%", "99%")
    low: Decimal
    high: Decimal
    why: str = ""


@dataclass
class Result:
    rating: str  # high / medium / low
    annual_low: Decimal
    annual_high: Decimal
    lookback_low: Decimal
    lookback_high: Decimal
    steps: list[Step] = field(default_factory=list)
    lookback_step: Step | None = None
    caveats: list[str] = field(default_factory=list)
    ways: list[str] = field(default_factory=list)  # drawback types the answers point to

    def as_json(self) -> dict:
        def step(s: Step) -> dict:
            return {
                "label": s.label,
                "factor": s.factor,
                "low": str(s.low),
                "high": str(s.high),
                "why": s.why,
            }

        return {
            "rating": self.rating,
            "annual_low": str(self.annual_low),
            "annual_high": str(self.annual_high),
            "lookback_low": str(self.lookback_low),
            "lookback_high": str(self.lookback_high),
            "steps": [step(s) for s in self.steps],
            "lookback_step": step(self.lookback_step) if self.lookback_step else None,
            "caveats": self.caveats,
            "ways": self.ways,
        }


# Rating thresholds on the middle of the annual range.
HIGH_FROM = D(50_000)
MEDIUM_FROM = D(5_000)


def potential_rating(*, annual_low: Decimal, annual_high: Decimal, goods_leave: bool) -> str:
    """The potential rating, high / medium / low: the one place its rules live.

    Nothing leaving the United States means nothing to claim: low. Otherwise the middle of the annual refund
    range decides: $50,000 a year or more is high (worth a full look-back and regular claims), $5,000 or
    more is medium (worth a look at the data), less is low (the work may cost more than it brings).
    """
    if not goods_leave or annual_high <= 0:
        return "low"
    middle = (annual_low + annual_high) / 2
    if middle >= HIGH_FROM:
        return "high"
    if middle >= MEDIUM_FROM:
        return "medium"
    return "low"


def _percent(value: Decimal) -> str:
    text = f"{(value * 100).normalize():f}"
    return f"{text}%"


def _range(low: Decimal, high: Decimal, *, percent: bool = False) -> str:
    show = _percent if percent else (lambda v: f"{v.normalize():f}")
    return show(low) if low == high else f"{show(low)} to {show(high)}"


def eligible_share(share: Option, programs: Iterable[str]) -> tuple[Decimal, Decimal]:
    """The share of the duties paid that drawback can refund, as a range.

    Ordinary (Chapter 1-97) duties always can. Of the additional duties, the low end counts only those of
    programs that surely can be drawn back (all of the ones named), the high end those that may be.
    """
    if share.high == 0:
        return ONE, ONE
    statuses = {PROGRAMS[p].status for p in programs if p in PROGRAMS} or {UNCERTAIN}
    surely = ONE if statuses == {ELIGIBLE} else ZERO
    maybe = ONE if statuses & {ELIGIBLE, UNCERTAIN} else ZERO
    return (ONE - share.high) + share.high * surely, (ONE - share.low) + share.low * maybe


def questionnaire_result(answers: Answers) -> Result:
    """The instant result: annual and 5-year look-back refund ranges with their arithmetic, the rating,
    the caveats that apply and the kinds of drawback the answers point to. Raises KeyError for an answer
    that is not one of the options (the form offers only those)."""
    duties = DUTIES[answers.duties]
    share = SHARE_LEAVING[answers.share_leaving]
    destroyed = answers.destroyed_returned != "no"
    exports = answers.exports != "no"
    goods_leave = (exports or destroyed) and share.high > 0
    steps: list[Step] = []
    low, high = duties.low, duties.high
    steps.append(Step("Duties, taxes and fees you pay each year", duties.label, low, high))

    share_low, share_high = (share.low, share.high) if goods_leave else (ZERO, ZERO)
    low, high = low * share_low, high * share_high
    steps.append(
        Step(
            "× share of those goods (or goods like them) that leave the US or are destroyed",
            _range(share_low, share_high, percent=True),
            low,
            high,
            "" if goods_leave else "You told us nothing leaves the US: there is nothing to claim.",
        )
    )

    ch99 = CH99_SHARE[answers.ch99_share]
    e_low, e_high = eligible_share(ch99, answers.ch99_programs)
    low, high = low * e_low, high * e_high
    steps.append(
        Step(
            "× share of your duties that drawback can refund",
            _range(e_low, e_high, percent=True),
            low,
            high,
            "Ordinary duties can be refunded; of the additional duties, only some programs can "
            "(see the notes below)."
            if ch99.high
            else "Ordinary duties (Chapters 1-97) can be refunded.",
        )
    )

    where = DESTINATIONS[answers.destinations]
    low, high = low * where.low, high * where.high
    steps.append(
        Step(
            "× share not limited by USMCA (exports to Canada and Mexico)",
            _range(where.low, where.high, percent=True),
            low,
            high,
            "Substitution drawback is not available on exports to Canada or Mexico (19 U.S.C. 1313(j)(4)).",
        )
    )

    claimed = CURRENT_CLAIMS[answers.current_claims]
    low, high = low * claimed.low, high * claimed.high
    steps.append(
        Step(
            "× share you do not claim yet",
            _range(claimed.low, claimed.high, percent=True),
            low,
            high,
        )
    )

    low, high = to_cents(low * DRAWBACK_RATE), to_cents(high * DRAWBACK_RATE)
    steps.append(
        Step(
            "× 99%: drawback refunds at most 99% of what was paid",
            "99%",
            low,
            high,
            "19 U.S.C. 1313(j); 19 CFR 190.51(b)(1)",
        )
    )

    years = RECORDS[answers.records]
    lookback_low, lookback_high = to_cents(low * years.low), to_cents(high * years.high)
    lookback = Step(
        "× years you can look back: the records you keep, at most five years of imports",
        f"{_range(years.low, years.high)} years",
        lookback_low,
        lookback_high,
        "A claim must be filed within 5 years of the import (19 U.S.C. 1313(r)(1)); imports close to five "
        "years old run out day by day.",
    )
    return Result(
        rating=potential_rating(annual_low=low, annual_high=high, goods_leave=goods_leave),
        annual_low=low,
        annual_high=high,
        lookback_low=lookback_low,
        lookback_high=lookback_high,
        steps=steps,
        lookback_step=lookback,
        caveats=_caveats(answers, goods_leave),
        ways=_ways(answers, goods_leave),
    )


def _caveats(answers: Answers, goods_leave: bool) -> list[str]:
    notes = [
        "A rough range from your answers, not an offer or a legal opinion. The real figure comes from your "
        "entry-line data: the full assessment computes it from your own ACE reports and export records.",
        "Each import line can be claimed only once (19 U.S.C. 1313(v)), within 5 years of its import date "
        "(19 U.S.C. 1313(r)(1)), and only with records that prove the import, the export or destruction and "
        "the link between them (19 CFR 190.51).",
    ]
    if answers.ch99_share != "none":
        for key in answers.ch99_programs or ("unsure",):
            program = PROGRAMS.get(key)
            if program and program.status != ELIGIBLE:
                notes.append(program.why)
    if answers.destinations != "elsewhere":
        notes.append(
            "Exports to Canada and Mexico: substitution drawback of unused goods is not available "
            "(19 U.S.C. 1313(j)(4); 19 CFR 182.42(c)); manufacturing drawback is limited to the lesser of "
            "the US duty and the duty paid in Canada or Mexico (19 U.S.C. 1313(n)(2)). Claims on the very "
            "goods imported (direct identification) keep their full refund."
        )
    if answers.manufacturing == "yes":
        notes.append(
            "Manufacturing drawback needs a manufacturing ruling (19 CFR 190.7 or 190.8) and bills of "
            "materials that tie the imported inputs to the exported products (19 U.S.C. 1313(a), (b))."
        )
    if answers.destroyed_returned in ("destroyed", "both"):
        notes.append(
            "Destruction counts only under CBP supervision, after a notice of intent (CBP Form 7553) filed "
            "at least 7 working days ahead, and the value of anything recovered is deducted "
            "(19 U.S.C. 1313(x))."
        )
    if answers.records in ("under_1", "1_2", "3_4"):
        notes.append(
            "You can look back only as far as your records go. Records supporting a claim must be kept "
            "3 years from the claim's liquidation (19 CFR 190.26(f))."
        )
    if answers.current_claims != "none":
        notes.append(
            "You already claim drawback: we counted only what you do not claim yet. A review of your current "
            "claims often finds more (a better designation of import lines, missed duties or fees)."
        )
    if answers.industry == "energy":
        notes.append("Petroleum derivatives follow their own substitution rules (19 U.S.C. 1313(p)).")
    if answers.industry == "food":
        notes.append(
            "Wine has its own substitution rule (19 U.S.C. 1313(j)(2), 19 CFR 190.32(d)); spirits and "
            "flavouring extracts may qualify under 19 U.S.C. 1313(d)."
        )
    if not goods_leave:
        notes.append(
            "Drawback needs goods that leave the United States or are destroyed under CBP supervision. If "
            "that changes, or if goods like the ones you import are exported by a company you sell to, ask "
            "us: the right to drawback can pass along the chain (19 CFR 190.82)."
        )
    return notes


def _ways(answers: Answers, goods_leave: bool) -> list[str]:
    if not goods_leave:
        return []
    ways = []
    if answers.exports != "no":
        ways.append(
            "Unused merchandise drawback: goods exported as imported, or goods of the same 8-digit tariff "
            "number (19 U.S.C. 1313(j)(1), (j)(2))."
        )
    if answers.manufacturing == "yes":
        ways.append(
            "Manufacturing drawback: products made from imported inputs, or inputs of the same kind "
            "(19 U.S.C. 1313(a), (b))."
        )
    if answers.destroyed_returned in ("returned", "both"):
        ways.append(
            "Rejected merchandise drawback: goods that were defective, not to specification or shipped "
            "without consent, sent back or destroyed (19 U.S.C. 1313(c))."
        )
    if answers.destroyed_returned in ("destroyed", "both"):
        ways.append(
            "Destruction under CBP supervision in place of export (19 U.S.C. 1313(j), (x); 19 CFR 190.71)."
        )
    return ways
