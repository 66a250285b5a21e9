"""When CBP will pay a client's drawback, and how much: the projection method, with the basis of every
figure in words a client can read. Pure: no Django and no database; plain records in, items out.

What is projected, claim by claim (`project`):
- Accelerated payment (19 CFR 190.92) of a claim that asked for it and has not received it: the amount
  claimed, about the filing date plus the median filing-to-payment lag observed at the claim's drawback
  office.
- The refund on liquidation of every claim not yet liquidated: the liquidated amount (the claim times the
  median ratio liquidated / claimed observed) less what accelerated payment paid or will pay; negative is a
  bill. Liquidation is expected at the filing date plus the median filing-to-liquidation lag at the office,
  never after deemed liquidation (one year after the claim, four when extended: 19 U.S.C. 1504(a)(2)(A),
  1504(b)); the money comes the median liquidation-to-refund lag later. A claim with a CF-29 (CBP proposing
  to change it) uses the ratio observed on claims that had a CF-29.
- A liquidated claim whose balance has not arrived: the balance, the refund lag after liquidation.
- A claim in preparation or review: filing at the firm's observed time from creation (or from entering
  review) to filing, then as above.
- Exports not yet claimed: the refund the optimizer would claim on them today (computed by the engine, given
  here as `Unclaimed`), filed at the client's next claim date from its filing cadence, then as above.

Observed history is the firm's claims whose event fell in the LOOKBACK_DAYS before `today`. A lag or ratio
is observed when at least MIN_OBSERVATIONS events are: at the claim's office first, then at every office;
otherwise the documented DEFAULT_* value stands and the basis says so. When part of a lag has already passed
(a claim filed 30 days ago), only the observed lags longer than that count: the median of those that took
longer. When every observed lag is shorter, the event is overdue and expected now.

Uncertainty: each item carries a date range (the smallest and largest lag used) and an amount range (the
smallest and largest ratio). A month's band runs from what is sure to fall in that month at its lowest to
everything that may fall in it at its highest (`monthly`).

Forecast against actual (`track_record`): snapshots of past projections compared month by month with what
arrived, and the weighted absolute percentage error per horizon.
"""

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from drawback.lib.dates import EXTENDED_LIQUIDATION_YEARS, REFUND_DAYS, add_years
from drawback.lib.money import ZERO, format_usd, to_cents

VERSION = "1"
LOOKBACK_DAYS = 365
MIN_OBSERVATIONS = 3
HORIZON_MONTHS = 18
TRACK_HORIZONS = (1, 2, 3, 6)  # months ahead; see track_record

# Documented defaults, used when the history holds fewer than MIN_OBSERVATIONS events.
DEFAULT_ACCELERATED_DAYS = 21  # accelerated payment "within about 3 weeks of filing" (domain.md 6.6)
DEFAULT_REFUND_DAYS = REFUND_DAYS  # CBP pays within 90 days of liquidation (19 U.S.C. 1504(a)(3))
DEFAULT_REVIEW_DAYS = 14  # from entering first review to filing
DEFAULT_PREPARATION_DAYS = 30  # from a claim's creation to filing
DEFAULT_CADENCE_DAYS = 91  # a claim a quarter
DEFAULT_RATIO = Decimal("1")  # a claim liquidates as filed; deemed liquidation is at the amount claimed
HUNDRED = Decimal("100")
# Item.kind: accelerated payment, refund (or bill) on liquidation, balance of a liquidated claim, exports
# not yet claimed.
PAYMENT_KINDS = ("accelerated", "liquidation", "balance", "unclaimed")


class Stage(StrEnum):
    PREPARATION = "preparation"
    REVIEW = "review"
    FILED = "filed"  # with CBP, not liquidated
    LIQUIDATED = "liquidated"  # liquidated, a balance still to come
    SETTLED = "settled"  # nothing more to come


@dataclass(frozen=True)
class ClaimRecord:
    """One claim as the method sees it: dates of what happened to it and the money involved."""

    claim_id: int
    number: str
    office: str
    office_name: str
    claimed: Decimal
    accelerated_requested: bool
    created_on: dt.date
    review_started_on: dt.date | None = None
    filed_on: dt.date | None = None
    accelerated_paid_on: dt.date | None = None
    accelerated_paid: Decimal = ZERO
    cf29_on: dt.date | None = None
    liquidated_on: dt.date | None = None
    liquidated: Decimal | None = None
    extended_on: dt.date | None = None
    suspended_on: dt.date | None = None
    settled_on: dt.date | None = None  # the refund or bill after liquidation was paid
    settled: Decimal = ZERO  # refunds less bills after liquidation
    closed: bool = False  # closed, or under protest: nothing is projected once liquidated

    @property
    def stage(self) -> Stage:
        if self.filed_on is None:
            return Stage.REVIEW if self.review_started_on else Stage.PREPARATION
        if self.liquidated_on is None:
            return Stage.FILED
        if self.settled_on is not None or self.closed or self.balance == 0:
            return Stage.SETTLED
        return Stage.LIQUIDATED

    @property
    def balance(self) -> Decimal:
        """What liquidation leaves to pay (negative: owed to CBP), once liquidated."""
        return (self.liquidated or ZERO) - self.accelerated_paid - self.settled

    def as_of(self, day: dt.date) -> "ClaimRecord | None":
        """The claim as it stood at the end of `day`: later events unknown; None if not yet created."""
        if self.created_on > day:
            return None
        dates = (
            self.review_started_on,
            self.filed_on,
            self.accelerated_paid_on,
            self.cf29_on,
            self.liquidated_on,
            self.extended_on,
            self.suspended_on,
            self.settled_on,
        )
        if all(d is None or d <= day for d in dates):
            return self  # nothing after the day: as it stands

        def known(value: dt.date | None) -> dt.date | None:
            return value if value is not None and value <= day else None

        record = replace(
            self,
            review_started_on=known(self.review_started_on),
            filed_on=known(self.filed_on),
            accelerated_paid_on=known(self.accelerated_paid_on),
            cf29_on=known(self.cf29_on),
            liquidated_on=known(self.liquidated_on),
            extended_on=known(self.extended_on),
            suspended_on=known(self.suspended_on),
            settled_on=known(self.settled_on),
        )
        if record.accelerated_paid_on is None:
            record = replace(record, accelerated_paid=ZERO)
        if record.liquidated_on is None:
            record = replace(record, liquidated=None, closed=False)
        if record.settled_on is None:
            record = replace(record, settled=ZERO)
        return record


@dataclass(frozen=True)
class Unclaimed:
    """The engine's refund on the client's exports not yet claimed, computed on `as_of`."""

    refund: Decimal
    exports: int
    as_of: dt.date


@dataclass(frozen=True)
class Item:
    """One projected payment (negative: a bill), with its date and amount ranges and its basis."""

    kind: str  # accelerated, liquidation, balance, unclaimed
    label: str
    claim_id: int | None
    claim_number: str
    on: dt.date
    earliest: dt.date
    latest: dt.date
    amount: Decimal
    low: Decimal
    high: Decimal
    basis: str


@dataclass(frozen=True)
class Month:
    month: dt.date  # first day
    expected: Decimal
    low: Decimal
    high: Decimal


@dataclass
class Projection:
    today: dt.date
    items: list[Item] = field(default_factory=list)
    months: list[Month] = field(default_factory=list)
    later: Decimal = ZERO  # expected after the last month shown

    @property
    def total(self) -> Decimal:
        return sum((m.expected for m in self.months), ZERO)


# --- what the history shows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """Observed values (days), smallest first, and where they come from, for the basis."""

    values: tuple
    scope: str  # "at New York", "at every office", "of the firm's claims"

    @classmethod
    def of(cls, values: Iterable[int], scope: str) -> "Sample":
        return cls(tuple(sorted(values)), scope)

    @property
    def n(self) -> int:
        return len(self.values)


@dataclass
class Observations:
    """Lags and ratios from the firm's history in the lookback window before `today`."""

    today: dt.date
    accelerated: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    liquidation: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    refund: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    review: list[int] = field(default_factory=list)
    preparation: list[int] = field(default_factory=list)
    ratios: list[Decimal] = field(default_factory=list)
    cf29_ratios: list[Decimal] = field(default_factory=list)
    office_names: dict[str, str] = field(default_factory=dict)
    # Samples and ratios worked out once: a client's thousands of claims ask for the same few.
    _samples: dict = field(default_factory=dict, repr=False)
    _ratios: dict = field(default_factory=dict, repr=False)

    def by_office(self, name: str, office: str) -> Sample | None:
        """The lags of `name` (accelerated, liquidation, refund) at the office, or at every office."""
        key = (name, office)
        if key not in self._samples:
            table = getattr(self, name)
            own = table.get(office, [])
            every = [v for values in table.values() for v in values]
            if len(own) >= MIN_OBSERVATIONS:
                self._samples[key] = Sample.of(own, f"at {self.office_names.get(office, office)}")
            elif len(every) >= MIN_OBSERVATIONS:
                self._samples[key] = Sample.of(every, "at every office")
            else:
                self._samples[key] = None
        return self._samples[key]

    def sample(self, name: str, scope: str) -> Sample | None:
        """The lags of `name` (review, preparation) across the firm."""
        key = (name, scope)
        if key not in self._samples:
            values = getattr(self, name)
            self._samples[key] = Sample.of(values, scope) if len(values) >= MIN_OBSERVATIONS else None
        return self._samples[key]


def observe(history: Iterable[ClaimRecord], today: dt.date) -> Observations:
    """What the firm's claims show about lags and ratios, from events in the lookback window."""
    since = today - dt.timedelta(days=LOOKBACK_DAYS)
    obs = Observations(today=today)

    def recent(day: dt.date | None) -> bool:
        return day is not None and since < day <= today

    for raw in history:
        record = raw.as_of(today)
        if record is None:
            continue
        obs.office_names.setdefault(record.office, record.office_name)
        filed = record.filed_on
        if filed and recent(record.accelerated_paid_on):
            obs.accelerated[record.office].append((record.accelerated_paid_on - filed).days)
        if filed and recent(record.liquidated_on):
            obs.liquidation[record.office].append((record.liquidated_on - filed).days)
            if record.claimed > 0 and record.liquidated is not None:
                ratio = record.liquidated / record.claimed
                obs.ratios.append(ratio)
                if record.cf29_on:
                    obs.cf29_ratios.append(ratio)
        if record.liquidated_on and recent(record.settled_on):
            obs.refund[record.office].append((record.settled_on - record.liquidated_on).days)
        if recent(filed):
            if record.review_started_on:
                obs.review.append((filed - record.review_started_on).days)
            obs.preparation.append((filed - record.created_on).days)
    return obs


def median_days(values: Sequence[int]) -> int:
    return _median_of_sorted(sorted(values))


def _median_of_sorted(ordered: Sequence[int]) -> int:
    n = len(ordered)
    if n % 2:
        return ordered[n // 2]
    return (ordered[n // 2 - 1] + ordered[n // 2] + 1) // 2  # a half day rounds up


def median_ratio(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


@dataclass(frozen=True)
class Lag:
    """Days from an anchor date, with the range, and the words saying where the number comes from."""

    days: int
    low: int
    high: int
    source: str  # "median of 14 accelerated payments at New York in the last 12 months (range 21-58 days)"


def estimate_lag(sample: Sample | None, *, what: str, elapsed: int, default: int, default_why: str) -> Lag:
    """The lag to expect when `elapsed` days have already passed since the anchor without the event."""
    if sample is None:
        days = max(default, elapsed)
        few = f"fewer than {MIN_OBSERVATIONS} {what} observed in the last 12 months"
        why = f"the default ({default_why}; {few})"
        if elapsed > default:
            why = f"overdue: {elapsed} days have passed, more than the default {default} ({default_why})"
        return Lag(days, days, days, why)
    # The values are sorted: those longer than what already passed are the tail after it.
    pool = sample.values[bisect_right(sample.values, elapsed) :] if elapsed > 0 else sample.values
    of = f"{sample.n} {what} {sample.scope} in the last 12 months"
    if not pool:
        return Lag(
            elapsed, elapsed, elapsed, f"overdue: {elapsed} days have passed, longer than any of the {of}"
        )
    days = _median_of_sorted(pool)
    spread = f"range {pool[0]}-{pool[-1]} days"
    if len(pool) < sample.n:
        source = (
            f"median of the {len(pool)} of {of} that took longer than the {elapsed} days already passed "
            f"({spread})"
        )
    else:
        source = f"median of {of} ({spread})"
    return Lag(days, pool[0], pool[-1], source)


@dataclass(frozen=True)
class Ratio:
    value: Decimal
    low: Decimal
    high: Decimal
    source: str


def estimate_ratio(obs: Observations, *, cf29: bool) -> Ratio:
    if cf29 not in obs._ratios:
        obs._ratios[cf29] = _ratio(obs, cf29=cf29)
    return obs._ratios[cf29]


def _ratio(obs: Observations, *, cf29: bool) -> Ratio:
    if cf29 and len(obs.cf29_ratios) >= MIN_OBSERVATIONS:
        values, of = obs.cf29_ratios, f"{len(obs.cf29_ratios)} claims liquidated after a CF-29"
    elif len(obs.ratios) >= MIN_OBSERVATIONS:
        values, of = obs.ratios, f"{len(obs.ratios)} liquidations"
    else:
        why = f"as claimed: fewer than {MIN_OBSERVATIONS} liquidations observed in the last 12 months"
        return Ratio(DEFAULT_RATIO, DEFAULT_RATIO, DEFAULT_RATIO, why)
    value = median_ratio(values)
    return Ratio(
        value,
        min(values),
        max(values),
        f"median of {of} in the last 12 months, range {percent(min(values))}-{percent(max(values))}",
    )


def percent(ratio: Decimal) -> str:
    return f"{(ratio * HUNDRED).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def days_after(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


# --- the projection ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filing:
    """When a claim was or will be filed, with the range and the words for it."""

    on: dt.date
    earliest: dt.date
    latest: dt.date
    words: str  # "filed 2026-12-06" or "filing about 2026-12-20 (in review since ... + 14 days, ...)"
    expected: bool  # not filed yet


def _filing(record: ClaimRecord, obs: Observations, today: dt.date) -> Filing:
    if record.filed_on:
        day = record.filed_on
        return Filing(day, day, day, f"filed {day}", False)
    if record.review_started_on:
        anchor, since = record.review_started_on, f"in review since {record.review_started_on}"
        sample = obs.sample("review", "of the firm's claims")
        lag = estimate_lag(
            sample,
            what="claims filed after review",
            elapsed=(today - anchor).days,
            default=DEFAULT_REVIEW_DAYS,
            default_why="two weeks in review",
        )
    else:
        anchor, since = record.created_on, f"in preparation since {record.created_on}"
        sample = obs.sample("preparation", "of the firm's claims")
        lag = estimate_lag(
            sample,
            what="claims filed",
            elapsed=(today - anchor).days,
            default=DEFAULT_PREPARATION_DAYS,
            default_why="a month in preparation",
        )
    on = max(days_after(anchor, lag.days), today)
    words = f"filing about {on} ({since} + {lag.days} days, {lag.source})"
    return Filing(
        on, max(days_after(anchor, lag.low), today), max(days_after(anchor, lag.high), today), words, True
    )


def _accelerated(record: ClaimRecord, filing: Filing, obs: Observations, today: dt.date) -> Item:
    elapsed = 0 if filing.expected else (today - filing.on).days
    lag = estimate_lag(
        obs.by_office("accelerated", record.office),
        what="accelerated payments",
        elapsed=elapsed,
        default=DEFAULT_ACCELERATED_DAYS,
        default_why="CBP pays in about 3 weeks",
    )
    on = days_after(filing.on, lag.days)
    amount = to_cents(record.claimed)
    basis = f"accelerated payment about {on}: {filing.words} + {lag.days} days, {lag.source}"
    return Item(
        "accelerated",
        "Accelerated payment",
        record.claim_id,
        record.number,
        on,
        days_after(filing.earliest, lag.low),
        days_after(filing.latest, lag.high),
        amount,
        amount,
        amount,
        basis,
    )


def _refund_lag(record: ClaimRecord, obs: Observations, elapsed: int) -> Lag:
    return estimate_lag(
        obs.by_office("refund", record.office),
        what="refunds after liquidation",
        elapsed=elapsed,
        default=DEFAULT_REFUND_DAYS,
        default_why="CBP pays within 90 days of liquidation, 19 U.S.C. 1504(a)(3)",
    )


def _liquidation(
    record: ClaimRecord, filing: Filing, obs: Observations, today: dt.date, accelerated: Item | None
) -> Item | None:
    if record.suspended_on:
        return None  # suspended (1504(c)): no date can be given
    years = EXTENDED_LIQUIDATION_YEARS if record.extended_on else 1
    deemed = add_years(filing.on, years)
    elapsed = 0 if filing.expected else (today - filing.on).days
    sample = obs.by_office("liquidation", record.office)
    if sample is None:
        liquidated_on = earliest = latest = max(deemed, today)
        few = f"fewer than {MIN_OBSERVATIONS} liquidations observed"
        how = f"deemed liquidation {deemed} (19 U.S.C. 1504; {few})"
    else:
        lag = estimate_lag(sample, what="liquidations", elapsed=elapsed, default=0, default_why="")
        liquidated_on = min(days_after(filing.on, lag.days), max(deemed, today))
        earliest = min(days_after(filing.earliest, lag.low), liquidated_on)
        latest = min(days_after(filing.latest, lag.high), max(add_years(filing.latest, years), today))
        how = f"{filing.words} + {lag.days} days, {lag.source}; deemed liquidated {deemed} at the latest"
    refund = _refund_lag(record, obs, 0)
    on = days_after(liquidated_on, refund.days)
    ratio = estimate_ratio(obs, cf29=record.cf29_on is not None)
    paid_before = record.accelerated_paid if record.accelerated_paid_on else ZERO
    if accelerated is not None:
        paid_before = accelerated.amount
    amount = to_cents(record.claimed * ratio.value - paid_before)
    low = to_cents(record.claimed * ratio.low - paid_before)
    high = to_cents(record.claimed * ratio.high - paid_before)
    if amount == low == high == 0:
        return None
    money = f"{format_usd(record.claimed)} claimed x {percent(ratio.value)} ({ratio.source})"
    if paid_before:
        money += f" less {format_usd(paid_before)} accelerated payment"
    label = "Bill on liquidation" if amount < 0 else "Refund on liquidation"
    basis = (
        f"{label.lower()} about {on}: liquidation about {liquidated_on} ({how}), paid {refund.days} days "
        f"later ({refund.source}); {money}"
    )
    return Item(
        "liquidation",
        label,
        record.claim_id,
        record.number,
        on,
        days_after(earliest, refund.low),
        days_after(latest, refund.high),
        amount,
        low,
        high,
        basis,
    )


def _balance(record: ClaimRecord, obs: Observations, today: dt.date) -> Item:
    elapsed = (today - record.liquidated_on).days
    lag = _refund_lag(record, obs, elapsed)
    on = max(days_after(record.liquidated_on, lag.days), today)
    amount = to_cents(record.balance)
    label = "Bill on liquidation" if amount < 0 else "Refund on liquidation"
    basis = (
        f"{label.lower()} about {on}: liquidated {record.liquidated_on} at {format_usd(record.liquidated)}, "
        f"{format_usd(record.accelerated_paid + record.settled)} paid so far; + {lag.days} days, {lag.source}"
    )
    return Item(
        "balance",
        label,
        record.claim_id,
        record.number,
        on,
        max(days_after(record.liquidated_on, lag.low), today),
        max(days_after(record.liquidated_on, lag.high), today),
        amount,
        amount,
        amount,
        basis,
    )


def project_claim(record: ClaimRecord, obs: Observations, today: dt.date) -> list[Item]:
    """The payments still to come on one claim, as it stands today."""
    stage = record.stage
    if stage == Stage.SETTLED:
        return []
    if stage == Stage.LIQUIDATED:
        return [_balance(record, obs, today)]
    filing = _filing(record, obs, today)
    items: list[Item] = []
    accelerated = None
    if record.accelerated_requested and record.accelerated_paid_on is None and record.claimed > 0:
        accelerated = _accelerated(record, filing, obs, today)
        items.append(accelerated)
    liquidation = _liquidation(record, filing, obs, today, accelerated)
    if liquidation is not None:
        items.append(liquidation)
    return items


def next_filing(filings: Sequence[dt.date], today: dt.date) -> tuple[dt.date, str]:
    """The client's next claim date from its cadence: the last filing + the median interval between its
    filings in the last 12 months."""
    since = today - dt.timedelta(days=LOOKBACK_DAYS)
    days = sorted({d for d in filings if d <= today})
    recent = [d for d in days if d > since]
    intervals = [(b - a).days for a, b in zip(recent, recent[1:], strict=False)]
    if not days:
        on = days_after(today, DEFAULT_CADENCE_DAYS)
        return on, f"next claim about {on} (no claim filed yet; the default of a claim a quarter)"
    last = days[-1]
    if len(intervals) >= MIN_OBSERVATIONS:
        gap = median_days(intervals)
        why = f"median of {len(intervals)} intervals between the client's claims in the last 12 months"
    else:
        gap = DEFAULT_CADENCE_DAYS
        why = f"the default of a claim a quarter; fewer than {MIN_OBSERVATIONS} intervals observed"
    on = max(days_after(last, gap), today)
    return on, f"next claim about {on} (last claim filed {last} + {gap} days, {why})"


def project_unclaimed(
    unclaimed: Unclaimed,
    *,
    filings: Sequence[dt.date],
    accelerated: bool,
    obs: Observations,
    today: dt.date,
    office: str = "",
    office_name: str = "",
) -> Item | None:
    """The refund on exports not yet claimed, as a claim filed at the client's next claim date with the
    drawback office new claims go to."""
    if unclaimed.refund <= 0:
        return None
    on, words = next_filing(filings, today)
    record = ClaimRecord(
        claim_id=0,
        number="",
        office=office,
        office_name=office_name,
        claimed=unclaimed.refund,
        accelerated_requested=accelerated,
        created_on=today,
    )
    filing = Filing(on, on, on, words, True)
    item = _accelerated(record, filing, obs, today) if accelerated else None
    if item is None:
        item = _liquidation(record, filing, obs, today, None)
    if item is None:
        return None
    basis = (
        f"exports not yet claimed ({unclaimed.exports}): {format_usd(unclaimed.refund)} the optimizer would "
        f"claim on them as of {unclaimed.as_of}; {item.basis}"
    )
    return replace(item, kind="unclaimed", label="Exports not yet claimed", claim_id=None, basis=basis)


def project(
    *,
    claims: Iterable[ClaimRecord],
    history: Iterable[ClaimRecord] = (),
    today: dt.date,
    observations: Observations | None = None,
    unclaimed: Unclaimed | None = None,
    filings: Sequence[dt.date] = (),
    accelerated: bool = False,
    office: tuple[str, str] = ("", ""),
    months: int = HORIZON_MONTHS,
) -> Projection:
    """Every payment still to come on `claims` (and on exports not yet claimed), as known at `today`.

    `history` is the firm's claims (all clients) the lags and ratios are observed on; `filings` the
    client's filing dates (its cadence); `accelerated` whether the client's next claim would ask for
    accelerated payment (an approved privilege); `office` (code, name) the drawback office of its next
    claim. `observations` made from the history already (for the same day) may be given instead."""
    obs = observations if observations is not None else observe(history, today)
    items: list[Item] = []
    for raw in claims:
        record = raw.as_of(today)
        if record is not None:
            items.extend(project_claim(record, obs, today))
    if unclaimed is not None:
        item = project_unclaimed(
            unclaimed,
            filings=filings,
            accelerated=accelerated,
            obs=obs,
            today=today,
            office=office[0],
            office_name=office[1],
        )
        if item is not None:
            items.append(item)
    items.sort(key=lambda i: (i.on, i.claim_number, i.kind))
    projection = Projection(today=today, items=items)
    projection.months, projection.later = monthly(items, today, months)
    return projection


# --- months ----------------------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def monthly(items: Sequence[Item], today: dt.date, months: int) -> tuple[list[Month], Decimal]:
    """Expected amount and band per month from today's month, and what is expected after the last month.

    An item counts in the month of its expected date (an item already due counts now). The band's low end
    takes an amount only when its whole date range falls inside the month (at its lowest), and any
    possible bill in every month it may fall in; the high end takes any possible refund in every month it
    may fall in (at its highest), and a bill only when its whole range falls inside the month."""
    first = month_start(today)
    keys = [add_months(first, i) for i in range(months)]
    expected = dict.fromkeys(keys, ZERO)
    low = dict.fromkeys(keys, ZERO)
    high = dict.fromkeys(keys, ZERO)
    later = ZERO
    index = {key: i for i, key in enumerate(keys)}

    def position(day: dt.date) -> int:
        # Months before today's count as today's; months after the last are beyond the keys.
        start = max(month_start(day), first)
        return index.get(start, (start.year - first.year) * 12 + start.month - first.month)

    for item in items:
        on = position(item.on)
        if on < months:
            expected[keys[on]] += item.amount
        else:
            later += item.amount
        a, b = position(item.earliest), position(item.latest)
        for i in range(a, min(b, months - 1) + 1):
            key = keys[i]
            whole = a == b == i
            low[key] += min(item.low, ZERO) + (item.low if whole and item.low > 0 else ZERO)
            high[key] += max(item.high, ZERO) + (item.high if whole and item.high < 0 else ZERO)
    return [Month(k, expected[k], low[k], high[k]) for k in keys], later


# --- forecast against actual -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """A projection as saved on `taken_on`: expected amount per month (first day -> amount)."""

    taken_on: dt.date
    months: dict[dt.date, Decimal]


@dataclass(frozen=True)
class TrackRow:
    month: dt.date
    actual: Decimal
    projected: dict[int, Decimal | None]  # horizon -> what was projected that many months ahead


@dataclass(frozen=True)
class Accuracy:
    horizon: int
    months: int  # months compared
    error: Decimal | None  # weighted absolute percentage error, one decimal (see track_record)


@dataclass
class TrackRecord:
    rows: list[TrackRow]
    accuracy: list[Accuracy]


def track_record(
    snapshots: Iterable[Snapshot],
    actual: dict[dt.date, Decimal],
    *,
    today: dt.date,
    months: int = 12,
    horizons: Sequence[int] = TRACK_HORIZONS,
) -> TrackRecord:
    """For each of the last `months` complete months: what arrived, and what was projected for it n months
    ahead. A snapshot taken during a month is 1 month ahead for that month, 2 months ahead for the next,
    and so on; the earliest snapshot of a month stands for it (the one the beat task takes on the 1st).

    Accuracy per horizon: the weighted absolute percentage error, the months' misses added up (money
    projected that did not come counts as much as money that came unprojected) over the money received in
    those months. Unlike a mean of monthly percentages it is not thrown by a month that received little."""
    first_of_month: dict[dt.date, Snapshot] = {}
    for snap in sorted(snapshots, key=lambda s: s.taken_on):
        first_of_month.setdefault(month_start(snap.taken_on), snap)
    current = month_start(today)
    rows = []
    for i in range(months, 0, -1):
        month = add_months(current, -i)
        projected: dict[int, Decimal | None] = {}
        for n in horizons:
            snap = first_of_month.get(add_months(month, -(n - 1)))
            projected[n] = snap.months.get(month, ZERO) if snap is not None else None
        rows.append(TrackRow(month, actual.get(month, ZERO), projected))
    accuracy = []
    for n in horizons:
        compared = [row for row in rows if row.projected[n] is not None]
        received = sum((abs(row.actual) for row in compared), ZERO)
        missed = sum((abs(row.projected[n] - row.actual) for row in compared), ZERO)
        error = (
            (missed / received * HUNDRED).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            if received
            else None
        )
        accuracy.append(Accuracy(n, len(compared), error))
    return TrackRecord(rows, accuracy)
