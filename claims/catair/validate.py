"""Local checks of a CATAIR claim file before it goes to CBP (catair.md section 3.3).

Implemented here, on the file itself:
* PF-01 syntax: 80 displayable upper-case characters a record, fillers blank, each field of its class.
* PF-02 order: A B (10 ...)+ Y Z; each claim opens with a 10 and closes with 89...90; groupings in the
  order of CAT27's structure map; Y and Z echo B and A; the 60/61 or 70/71 grouping the provision needs.
* PF-09 export records: 10-digit HTS, export/destroy indicator, no country/B/L on a destruction, B/L
  carrier with a B/L, Schedule B flag X or blank.
* PF-14 totals: no $0 43-record; 89 totals equal the sums of the 43-records; the 90-record cross-foots.
* PF-19 size: repeat limits of every grouping (catair.md section 4.1).

A whole batch is rejected by CBP for any structure error (CAT27 Usage Note a), so every problem counts.
Pure Python: no Django imports.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from .data import total_group
from .parser import records_of
from .spec import CLASSES_PER_89, RECORDS, decode_field, field_problems, record_code

# Which record may follow which inside one claim (CAT27 "Input Record Structure Maps", pp. 25-27).
_NEXT = {
    "10": {"31", "40"},
    "31": {"40"},
    "40": {"41"},
    "41": {"42"},
    "42": {"42", "41", "43"},
    "43": {"43", "40", "50", "60", "70", "89"},
    "50": {"51"},
    "51": {"52", "53", "50", "60", "70", "89"},
    "52": {"52", "53", "50", "60", "70", "89"},
    "53": {"53", "50", "60", "70", "89"},
    "60": {"61"},
    "61": {"62", "64", "60", "89"},
    "62": {"63"},
    "63": {"63", "64", "60", "89"},
    "64": {"64", "60", "89"},
    "70": {"71"},
    "71": {"72", "73", "70", "89"},
    "72": {"72", "73", "70", "89"},
    "73": {"73", "70", "89"},
    "89": {"89", "90"},
}
CLAIM_RECORDS = set(_NEXT) | {"90"}

# Repeat limits (catair.md section 4.1): (record, parent record) -> maximum per parent.
LIMITS = {
    ("40", "10"): 10000,
    ("50", "10"): 10000,
    ("60", "10"): 10000,
    ("70", "10"): 10000,
    ("41", "40"): 32,
    ("42", "41"): 3,
    ("43", "40"): 20,
    ("52", "50"): 999,
    ("53", "50"): 999,
    ("72", "70"): 999,
    ("73", "70"): 999,
    ("63", "62"): 2,
    ("62", "60"): 1,
    ("89", "10"): 9,
}
# The record that each counted record is counted under.
_PARENT = {child: parent for (child, parent) in LIMITS}


@dataclass(frozen=True)
class Problem:
    rule: str
    line: int | None
    record: str
    message: str
    claim: str = ""

    def __str__(self) -> str:
        where = f"line {self.line} ({self.record}-record)" if self.line else "file"
        claim = f" claim {self.claim}" if self.claim else ""
        return f"{self.rule} {where}{claim}: {self.message}"


def _values(line: str) -> dict:
    """Field values of a record, None where a field is blank or unreadable (PF-01 reports those)."""
    spec = RECORDS.get(record_code(line))
    if spec is None:
        return {}
    values = {}
    for f in spec.fields:
        if f.cls == "S" or f.constant is not None:
            continue
        try:
            values[f.name] = decode_field(f, f.slice(line.ljust(80)))
        except ValueError:
            values[f.name] = None
    return values


@dataclass
class _Claim:
    line: int
    number: str
    provision: str
    records: list[tuple[int, str, dict]] = field(default_factory=list)
    closed: bool = False


class _Checker:
    def __init__(self):
        self.problems: list[Problem] = []

    def add(self, rule, line, record, message, claim=""):
        self.problems.append(Problem(rule, line, record, message, claim))

    # ------------------------------------------------------------------ PF-02 envelope and claim order
    def structure(self, records: list[tuple[int, str, dict]]) -> list[_Claim]:
        claims: list[_Claim] = []
        if not records:
            self.add("PF-02", None, "", "the file holds no records")
            return claims
        first_line, first_code, a_values = records[0]
        if first_code != "A":
            self.add("PF-02", first_line, first_code, "a batch must begin with the A-record")
            a_values = None
        last_line, last_code, z_values = records[-1]
        if last_code != "Z":
            self.add("PF-02", last_line, last_code, "a batch must end with the Z-record")
        if a_values is not None and a_values.get("application_id") != "DE":
            self.add("PF-02", first_line, "A", "A-record application identifier must be DE")
        if a_values is not None and last_code == "Z":
            for name in ("site_code", "sender_id"):
                if z_values.get(name) != a_values.get(name):
                    self.add("PF-02", last_line, "Z", f"Z-record {name} must echo the A-record")

        block = None  # (line, values) of the open B-record
        claim: _Claim | None = None
        prev = None  # previous record inside the current claim
        after_header = False  # just after B or 90: a 10-record (or Y) must come next
        for line, code, values in records:
            if code in ("A", "Z"):
                if (code == "A" and line != first_line) or (code == "Z" and line != last_line):
                    self.add("PF-02", line, code, f"{code}-record in the middle of the batch")
                if code == "Z" and block is not None:
                    self.add("PF-02", line, code, "block not closed by a Y-record before the Z-record")
                continue
            if code == "B":
                if block is not None:
                    self.add("PF-02", line, code, "B-record inside an open block (Y-record missing)")
                if values.get("application_id") != "DE":
                    self.add("PF-02", line, code, "B-record application identifier must be DE")
                block, claim, prev, after_header = (line, values), None, None, True
                continue
            if block is None:
                self.add("PF-02", line, code, f"{code}-record outside a B...Y block")
                continue
            if code == "Y":
                if after_header and prev is None and claim is None:
                    self.add("PF-02", line, code, "ENTRY SUMMARY HEADER MISSING: a block holds no claim")
                self._close(claim)
                for name in ("port", "filer_code", "application_id"):
                    if values.get(name) != block[1].get(name):
                        self.add("PF-02", line, code, f"Y-record {name} must echo the B-record")
                block, claim, prev = None, None, None
                continue
            if code == "10":
                self._close(claim)
                claim = _Claim(
                    line,
                    f"{values.get('filer_code') or ''}{values.get('entry_number') or ''}",
                    values.get("provision") or "",
                )
                claims.append(claim)
                claim.records.append((line, code, values))
                prev, after_header = "10", False
                continue
            if code not in CLAIM_RECORDS:
                continue  # unknown record: PF-01 reports it
            if claim is None or claim.closed:
                self.add(
                    "PF-02",
                    line,
                    code,
                    "ENTRY SUMMARY HEADER MISSING: the record after a B- or 90-record must be a 10-record",
                )
                continue
            if code not in _NEXT.get(prev, set()):
                self.add("PF-02", line, code, f"{code}-record cannot follow a {prev}-record", claim.number)
            claim.records.append((line, code, values))
            prev = code
            if code == "90":
                claim.closed = True
        if block is not None:
            self._close(claim)
            self.add("PF-02", records[-1][0], records[-1][1], "block not closed by a Y-record")
        for c in claims:
            self._groupings(c)
        return claims

    def _close(self, claim: _Claim | None) -> None:
        if claim is not None and not claim.closed:
            self.add("PF-02", claim.line, "10", "claim not closed by its 89- and 90-records", claim.number)
            claim.closed = True

    def _groupings(self, claim: _Claim) -> None:
        codes = {code for _, code, _ in claim.records}
        tftea = claim.provision.isdigit() and 51 <= int(claim.provision) <= 77
        core = claim.provision.isdigit() and 1 <= int(claim.provision) <= 23
        if tftea and "70" not in codes:
            self.add("PF-02", claim.line, "10", "provisions 51-77 need a 70/71 grouping", claim.number)
        if tftea and "60" in codes:
            self.add("PF-02", claim.line, "10", "the 60/61 grouping is not allowed for 51-77", claim.number)
        if core and "60" not in codes:
            self.add("PF-02", claim.line, "10", "provisions 01-23 need a 60/61 grouping", claim.number)
        if core and "70" in codes:
            self.add("PF-02", claim.line, "10", "the 70/71 grouping is not allowed for 01-23", claim.number)

    # ------------------------------------------------------------------ PF-19 repeat limits
    def limits(self, claim: _Claim) -> None:
        counts: dict[tuple[str, int], int] = defaultdict(int)
        open_parent: dict[str, int] = {"10": claim.line}
        reported = set()
        for line, code, _ in claim.records:
            if code in _PARENT:
                parent = _PARENT[code]
                parent_line = open_parent.get(parent)
                if parent_line is not None:
                    counts[(code, parent_line)] += 1
                    limit = LIMITS[(code, parent)]
                    if counts[(code, parent_line)] > limit and (code, parent_line) not in reported:
                        reported.add((code, parent_line))
                        self.add(
                            "PF-19",
                            line,
                            code,
                            f"more than {limit:,} {code}-record(s) per {parent}-record",
                            claim.number,
                        )
            open_parent[code] = line
        for line, code, values in claim.records:
            if code == "40" and values.get("itin") == 0:
                self.add("PF-19", line, code, "ITIN must be 00001-99999", claim.number)

    # ------------------------------------------------------------------ PF-09 export records
    def exports(self, claim: _Claim) -> None:
        for line, code, v in claim.records:
            if code not in ("60", "70"):
                continue
            indicator = v.get("indicator")
            if indicator not in ("E", "D"):
                self.add("PF-09", line, code, "EXPORT / DESTROY INDICATOR MISSING (E or D)", claim.number)
            hts = v.get("hts") or ""
            if code == "70" and not (len(hts) == 10 and hts.isdigit()):
                message = f"HTS/Schedule B number must be 10 digits, is {hts!r}"
                self.add("PF-09", line, code, message, claim.number)
            if code == "70" and v.get("schedule_b") not in (None, "X"):
                self.add("PF-09", line, code, "Schedule B code at 78 must be X or blank", claim.number)
            if indicator == "D":
                for name, label in (("country", "country"), ("bol_indicator", "B/L indicator")):
                    if v.get(name):
                        self.add("PF-09", line, code, f"a destruction has no {label}", claim.number)
            if v.get("bol_indicator") == "Y" and not v.get("bol_carrier"):
                message = "B/L carrier code required when the B/L indicator is Y"
                self.add("PF-09", line, code, message, claim.number)
            if v.get("bol_indicator") not in (None, "Y"):
                self.add("PF-09", line, code, "B/L indicator must be Y or blank", claim.number)

    # ------------------------------------------------------------------ PF-14 totals
    def totals(self, claim: _Claim) -> None:
        sums: dict[str, Decimal] = defaultdict(Decimal)
        first_line: dict[str, int] = {}
        filed: dict[str, Decimal] = {}
        for line, code, v in claim.records:
            if code == "43":
                cls, amount = v.get("accounting_class"), v.get("claim_amount")
                if cls is None:
                    continue
                if not amount:
                    self.add("PF-14", line, code, f"43-record for class {cls} claims $0", claim.number)
                sums[cls] += amount or Decimal("0")
                first_line.setdefault(cls, line)
            elif code == "89":
                for i in range(1, CLASSES_PER_89 + 1):
                    cls, amount = v.get(f"class_{i}"), v.get(f"amount_{i}")
                    if cls is None:
                        if amount:
                            self.add("PF-14", line, code, f"amount {i} has no accounting class", claim.number)
                        continue
                    cls = str(cls).zfill(3)
                    if cls in filed:
                        self.add("PF-14", line, code, f"class {cls} totalled twice", claim.number)
                    if not amount:
                        self.add("PF-14", line, code, f"class {cls} is totalled as $0", claim.number)
                    filed[cls] = amount or Decimal("0")
        last = claim.records[-1][0]
        for cls, total in sorted(sums.items()):
            if cls not in filed:
                self.add("PF-14", first_line[cls], "43", f"class {cls} has no 89-record total", claim.number)
            elif filed[cls] != total:
                self.add(
                    "PF-14",
                    last,
                    "89",
                    f"class {cls} total {filed[cls]} differs from its 43-records' sum {total}",
                    claim.number,
                )
        for cls in sorted(set(filed) - set(sums)):
            self.add("PF-14", last, "89", f"class {cls} is totalled but no 43-record claims it", claim.number)
        ninety = [(line, v) for line, code, v in claim.records if code == "90"]
        if not ninety:
            return
        line, v = ninety[0]
        groups = {"duty": Decimal("0"), "user_fee": Decimal("0"), "ir_tax": Decimal("0")}
        for cls, amount in filed.items():
            groups[total_group(cls)] += amount
        labels = {"duty": "duty (364, 369)", "user_fee": "user fee", "ir_tax": "IR tax (365, 674, 675, 374)"}
        for name, label in labels.items():
            reported = v.get(f"{name}_total")
            if reported is None:
                self.add("PF-14", line, "90", f"grand total {label} is blank; report zeros", claim.number)
            elif reported != groups[name]:
                self.add(
                    "PF-14",
                    line,
                    "90",
                    f"grand total {label} {reported} differs from the class totals' {groups[name]}",
                    claim.number,
                )


def validate_claim_file(text: str) -> list[Problem]:
    """Every PF-01, PF-02, PF-09, PF-14 and PF-19 problem of a CATAIR file, in file order. Empty = clean."""
    checker = _Checker()
    records = []
    for number, line in enumerate(records_of(text), start=1):
        code = record_code(line)
        if code not in RECORDS:
            checker.add("PF-01", number, code, f"unknown record identifier {line[:2]!r}")
            continue
        for message in field_problems(line):
            checker.add("PF-01", number, code, message)
        records.append((number, code, _values(line)))
    for claim in checker.structure(records):
        checker.limits(claim)
        checker.exports(claim)
        checker.totals(claim)
    checker.problems.sort(key=lambda p: (p.line or 0, p.rule))
    return checker.problems
