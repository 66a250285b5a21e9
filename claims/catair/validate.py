"""Local checks of a CATAIR claim file before it goes to CBP (catair.md section 3.3).

Every rule the writer keeps that can be seen in the file itself is checked here, so a file that passes
is one the writer could have written:
* PF-01 syntax: 80 displayable upper-case characters a record, fillers blank, each field of its class,
  mandatory fields filled (the A-record communication password among them, catair.md 1.2).
* PF-02 order: A B (10 ...)+ Y Z; each claim opens with a 10 and closes with 89...90; groupings in the
  order of CAT27's structure map; Y and Z echo B and A; the 60/61 or 70/71 grouping the provision needs.
* PF-03 filing port: a drawback office (1001, 2809, 3901, 5301).
* PF-04 / PF-05 check digits: the claim number and each designated import entry number (Appendix B and
  E, with the filer's approved offset).
* PF-06 provision: an Appendix A code, 51-77 for a new claim, and the rules of catair.md 2.2 that show
  in the file (commercial ruling, ES line and ITIN, accounting method code); a retail substitution claim
  (56/70 with pos 77 `Y`) designates imports of the returned goods' 8-digit subheading; the 42-record
  Allowable QTY only on 1313(b) claims, never above the 42's quantity, and present on a 1313(b) grouping whose
  basis of claim reduces the quantity (02 valuable waste, 03 relative value, 07 both; CAT27 42-record Note 2).
* PF-07 tracking numbers: ITINs run 1, 2, 3... without gaps or repeats up to 99,999, MTINs do not reuse
  them, every number a 52/53/72/73 cites exists, every import is cited by an export or an article.
* PF-09 export records: 10-digit HTS, export/destroy indicator, no country/B/L on a destruction, B/L
  carrier with a B/L, Schedule B flag X or blank.
* PF-10 dates: export groupings in chronological order (70-record "report in chronological order"), no
  export or destruction after the transmission date (A-record 15-20), and, for a replacement, none more
  than 5 years before it (10-record Note 2).
* PF-12 (in the file): no 43-record claims more than its calculated amount.
* PF-14 totals: no $0 43-record, a known accounting class; 89 totals equal the sums of the 43-records;
  the 90-record cross-foots.
* PF-15 bond: accelerated payment with a 31-record of type 8 or 9, designation B and a surety (a single
  transaction bond with its amount and number); a bond waiver with reason 999 and no accelerated payment.
* PF-16 certifications the provision and the classes call for (catair.md 2.2; 374 and 674 classes).
* PF-17 NAFTA/USMCA claims carry a 64-record for Canada or Mexico.
* PF-18 claimant ID: an IRS number with suffix, an SSN or a CBP-assigned number.
* PF-19 size: repeat limits of every grouping (catair.md section 4.1).

What only the stored data can tell (the import line's HTS and UOM, quantities left, revenue paid,
import dates) is pre-flight's (claims.preflight). A whole batch is rejected by CBP for any structure
error (CAT27 Usage Note a), so every problem counts. Pure Python: no Django imports.
"""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from drawback.lib import entry_numbers
from drawback.lib.dates import add_years
from drawback.lib.money import format_usd

from .data import total_group
from .parser import records_of
from .provisions import PROVISIONS
from .spec import CLASSES_PER_89, RECORDS, TRACKING_SLOTS, decode_field, field_problems, record_code

FILING_PORTS = frozenset({"1001", "2809", "3901", "5301"})
# catair.md 1.8: the drawback classes and Appendix D's user-fee classes.
ACCOUNTING_CLASSES = frozenset(
    {"364", "365", "369", "374", "398", "399", "674", "675"}
    | {"039", "053", "054", "055", "056", "057", "079", "090", "102", "103", "104", "105", "106", "107"}
    | {"108", "109", "110"}
)
# catair.md 2.2, by provision.
NO_IMPORT_REFERENCE = frozenset({"07", "57"})
LINE_AND_ITIN = frozenset(f"{n}" for n in range(51, 78)) - {"57"}
METHOD_01_08 = frozenset({"51", "53", "54", "55", "56", "57", "58", "64", "65", "67", "68", "69", "70", "71"})
WINE = frozenset({"74"})
BILL_OF_MATERIALS = frozenset({"51", "52", "57", "61", "62", "71", "72", "75", "76"})
DESTROYED_VALUATION = frozenset(
    {"51", "52", "53", "54", "55", "56", "58", "59", "73", "74", "75", "76", "77"}
)
RETAIL = frozenset({"56", "70"})
# 42-record Allowable QTY: "Input for 1313(b) claims only" (CAT27 42-record Note 2); bases of claim
# (40-record) under which drawback is allowed on less than the designated quantity.
ALLOWABLE_QTY = frozenset({"52", "72", "75", "76"})
REDUCED_BASES = frozenset({"02", "03", "07"})
CLAIMANT_ID = re.compile(r"^(\d{2}-\d{7}[0-9A-Z]{2}|\d{3}-\d{2}-\d{4}|\d{6}-\d{5})$")

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
        self.offsets: dict[str, int] = {}
        self.claim_offsets: dict[str, int] = {}

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

    # ------------------------------------------------------------------ PF-06 retail substitution
    def retail(self, claim: _Claim) -> None:
        """A retail-return claim that designates other imports (10-record pos 77 `Y`, 1313(c)(2)): each
        designated import has the 8-digit classification of the returned goods, which the file shows as the
        exports citing it. Its import date and product identifier are not in the file: pre-flight checks
        them (RET-C2, PF-10-RETAIL)."""
        header = next((v for _, code, v in claim.records if code == "10"), {})
        if claim.provision not in RETAIL or header.get("retail_substitution") != "Y":
            return
        hts_of_itin: dict[int, str] = {}
        itin = None
        for _, code, v in claim.records:
            if code == "40":
                itin = v.get("itin")
            elif code == "41" and itin is not None:
                hts_of_itin.setdefault(itin, v.get("hts") or "")
        export_hts = ""
        for line, code, v in claim.records:
            if code == "70":
                export_hts = v.get("hts") or ""
            elif code == "72" and export_hts:
                for i in range(1, TRACKING_SLOTS + 1):
                    cited = v.get(f"itin_{i}")
                    hts = hts_of_itin.get(cited, "") if cited else ""
                    if hts and hts[:8] != export_hts[:8]:
                        self.add(
                            "PF-06",
                            line,
                            code,
                            f"ITIN {cited:05d} is classified {hts[:8]}, the returned goods exported under "
                            f"{export_hts[:8]}: a retail substitution (pos 77 Y) designates the same 8-digit "
                            "subheading (19 U.S.C. 1313(c)(2))",
                            claim.number,
                        )

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
                if cls not in ACCOUNTING_CLASSES:
                    self.add("PF-14", line, code, f"{cls} is not a drawback accounting class", claim.number)
                if not amount:
                    self.add("PF-14", line, code, f"43-record for class {cls} claims $0", claim.number)
                calculated = v.get("calculated_amount")
                if amount and calculated is not None and amount > calculated:
                    self.add(
                        "PF-12",
                        line,
                        code,
                        f"class {cls} claims {format_usd(amount)} above its calculated amount "
                        f"{format_usd(calculated)}",
                        claim.number,
                    )
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
                    f"class {cls} total {format_usd(filed[cls])} differs from its 43-records' sum "
                    f"{format_usd(total)}",
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
                    f"grand total {label} {format_usd(reported)} differs from the class totals' "
                    f"{format_usd(groups[name])}",
                    claim.number,
                )

    # ------------------------------------------------------------------ PF-03..PF-06, PF-15..PF-18 header
    def header(self, claim: _Claim) -> None:
        line, _, h = claim.records[0]
        n = claim.number
        if h.get("port") and h["port"] not in FILING_PORTS:
            self.add("PF-03", line, "10", f"filing port {h['port']} is not a drawback office", n)
        self._check_digit(
            "PF-04",
            line,
            "10",
            h.get("filer_code"),
            h.get("entry_number"),
            "claim number",
            n,
            {**self.offsets, **self.claim_offsets},
        )
        provision = claim.provision
        tftea = provision in PROVISIONS
        # Core provisions (01-23) only amend claims filed under Part 191: a replacement, never a new claim.
        core_replacement = provision.isdigit() and 1 <= int(provision) <= 23 and h.get("action") == "R"
        if not tftea and not core_replacement:
            self.add("PF-06", line, "10", f"provision {provision!r} is not a TFTEA provision (51-77)", n)
        if tftea and h.get("commercial_ruling"):
            self.add("PF-06", line, "10", "the commercial ruling (pos 43) is not allowed for 51-77", n)
        ap = h.get("accelerated_payment")
        if ap not in (None, "Y"):
            self.add("PF-15", line, "10", "accelerated payment indicator must be Y or blank", n)
        bonds = [(ln, v) for ln, code, v in claim.records if code == "31"]
        if h.get("bond_waiver") == "0":
            if h.get("bond_waiver_reason") != "999":
                self.add("PF-15", line, "10", "a bond waiver (pos 36 = 0) needs reason 999", n)
            if ap:
                self.add("PF-15", line, "10", "accelerated payment needs a bond: it cannot be waived", n)
        elif h.get("bond_waiver") is not None:
            self.add("PF-15", line, "10", "bond waiver indicator must be 0 or blank", n)
        elif h.get("bond_waiver_reason"):
            self.add("PF-15", line, "10", "a bond waiver reason without the waiver indicator", n)
        if ap and not bonds:
            self.add("PF-15", line, "10", "accelerated payment needs the 31-record of its bond", n)
        for bond_line, bond in bonds:
            if bond.get("bond_type") not in ("8", "9"):
                self.add("PF-15", bond_line, "31", "bond type must be 8 (continuous) or 9 (single)", n)
            if bond.get("bond_designation") != "B":
                self.add("PF-15", bond_line, "31", "bond designation must be B (basic bond)", n)
            if bond.get("bond_type") == "9" and not (bond.get("bond_amount") and bond.get("bond_number")):
                self.add("PF-15", bond_line, "31", "a single transaction bond needs its amount and number", n)
        classes = {v.get("accounting_class") for _, code, v in claim.records if code == "43"}
        certifications = (
            ("wine_certification", provision in WINE, "the wine certification (pos 73)"),
            (
                "bom_certification",
                provision in BILL_OF_MATERIALS,
                "the bill of materials certification (pos 74)",
            ),
            ("superfund_certification", "374" in classes, "the Superfund certification (pos 78)"),
            ("oil_spill_certification", "674" in classes, "the oil spill tax certification (pos 46)"),
        )
        for name, required, label in certifications:
            if required and h.get(name) != "X":
                self.add("PF-16", line, "10", f"{label} is required for this claim", n)
            elif not required and h.get(name):
                self.add("PF-16", line, "10", f"{label} is not for this claim", n)
        if h.get("destroyed_valuation_certification") and provision not in DESTROYED_VALUATION:
            self.add(
                "PF-16",
                line,
                "10",
                "the destroyed-merchandise valuation (pos 75) is not allowed for this provision",
                n,
            )
        if h.get("retail_substitution") and provision not in RETAIL:
            self.add(
                "PF-16",
                line,
                "10",
                "the retail sales substitution indicator (pos 77) is only for 56 and 70",
                n,
            )
        if h.get("nafta") or h.get("usmca"):
            countries = [v.get("country") for _, code, v in claim.records if code == "64"]
            if not countries:
                self.add("PF-17", line, "10", "a NAFTA/USMCA claim needs a 64-record", n)
        for ln, code, v in claim.records:
            if code == "64" and v.get("country") not in ("CA", "MX"):
                self.add("PF-17", ln, code, "the 64-record country of export must be CA or MX", n)
        claimant = h.get("claimant_id") or ""
        if claimant and not CLAIMANT_ID.match(claimant):
            self.add(
                "PF-18",
                line,
                "10",
                f"claimant ID {claimant!r} is not an IRS number with suffix (NN-NNNNNNNXX), an SSN "
                "(NNN-NN-NNNN) or a CBP-assigned number (YYDDPP-NNNNN)",
                n,
            )

    def _check_digit(self, rule, line, code, filer, number, what, claim_number, offsets=None) -> None:
        if not filer or not number or len(str(number)) != 8:
            return  # PF-01 reports a missing or malformed number
        try:
            entry_numbers.parse(f"{filer}{number}", self.offsets if offsets is None else offsets)
        except entry_numbers.EntryNumberError as exc:
            self.add(
                rule, line, code, f"{what} {filer}-{str(number)[:7]}-{str(number)[7:]}: {exc}", claim_number
            )

    # ------------------------------------------------------------------ PF-05..PF-07 imports and tracking
    def imports(self, claim: _Claim) -> None:
        n, provision = claim.number, claim.provision
        itins: list[tuple[int, int]] = []
        mtins: dict[int, int] = {}
        cited: dict[str, set[int]] = {"itin": set(), "mtin": set()}
        basis = None
        for line, code, v in claim.records:
            if code == "42":
                self._allowable(claim, line, v, basis)
            if code == "40":
                basis = v.get("basis_of_claim")
                if provision in NO_IMPORT_REFERENCE:
                    if v.get("filer_code") or v.get("entry_number") or v.get("line_number"):
                        self.add("PF-06", line, code, "1313(d) claims name no import entry", n)
                else:
                    self._check_digit(
                        "PF-05", line, code, v.get("filer_code"), v.get("entry_number"), "import entry", n
                    )
                if provision in LINE_AND_ITIN:
                    if not v.get("line_number"):
                        self.add("PF-06", line, code, "the entry summary line number is required", n)
                    if not v.get("itin"):
                        self.add("PF-06", line, code, "the ITIN is required", n)
                method = v.get("accounting_method")
                allowed = range(1, 9) if provision in METHOD_01_08 else range(0, 1)
                if method is not None and method not in allowed:
                    wants = "01-08" if provision in METHOD_01_08 else "00"
                    message = f"accounting method must be {wants} for provision {provision}"
                    self.add("PF-06", line, code, message, n)
                if v.get("itin"):
                    itins.append((line, v["itin"]))
            elif code == "51" and v.get("mtin"):
                mtins[v["mtin"]] = line
            elif code in ("52", "72", "53", "73"):
                kind = "itin" if code in ("52", "72") else "mtin"
                for i in range(1, TRACKING_SLOTS + 1):
                    if v.get(f"{kind}_{i}"):
                        cited[kind].add(v[f"{kind}_{i}"])
        seen: set[int] = set()
        for expected, (line, itin) in enumerate(itins, start=1):
            if itin in seen:
                self.add("PF-07", line, "40", f"ITIN {itin:05d} is used twice", n)
            elif itin != expected and expected not in seen:
                self.add(
                    "PF-07", line, "40", f"ITINs run 1, 2, 3...: {itin:05d} where {expected:05d} is due", n
                )
            if itin in mtins:
                self.add("PF-07", line, "40", f"ITIN {itin:05d} is also an MTIN", n)
            seen.add(itin)
        for missing in sorted(cited["itin"] - seen):
            self.add("PF-07", claim.line, "10", f"ITIN {missing:05d} is cited but no 40-record has it", n)
        for missing in sorted(cited["mtin"] - set(mtins)):
            self.add("PF-07", claim.line, "10", f"MTIN {missing:05d} is cited but no 51-record has it", n)
        for line, itin in itins:
            if itin not in cited["itin"]:
                self.add("PF-07", line, "40", f"ITIN {itin:05d} is not linked to any export or article", n)

    def _allowable(self, claim: _Claim, line: int, v: dict, basis: str | None) -> None:
        n, allowable, quantity = claim.number, v.get("allowable_quantity"), v.get("quantity")
        if claim.provision not in ALLOWABLE_QTY:
            if allowable is not None:
                message = (
                    f"the allowable quantity is for 1313(b) claims only, not provision {claim.provision}"
                )
                self.add("PF-06", line, "42", message, n)
            return
        if allowable is None:
            if basis in REDUCED_BASES:
                message = (
                    f"basis of claim {basis} allows drawback on less than the quantity: the allowable "
                    "quantity (positions 22-37) is required"
                )
                self.add("PF-06", line, "42", message, n)
            return
        if quantity is not None and allowable > quantity:
            message = f"allowable quantity {allowable:f} is more than the quantity {quantity:f}"
            self.add("PF-06", line, "42", message, n)

    # ------------------------------------------------------------------ PF-10 export dates
    def dates(self, claim: _Claim, transmission_date: dt.date | None) -> None:
        n = claim.number
        replacement = claim.records[0][2].get("action") == "R"
        previous: tuple[int, dt.date] | None = None
        for line, code, v in claim.records:
            if code not in ("60", "70") or v.get("date") is None:
                continue
            day = v["date"]
            if previous is not None and day < previous[1]:
                self.add(
                    "PF-10",
                    line,
                    code,
                    f"export groupings are in chronological order: {day:%m/%d/%Y} comes after "
                    f"{previous[1]:%m/%d/%Y} (line {previous[0]})",
                    n,
                )
            previous = (line, max(day, previous[1]) if previous else day)
            if transmission_date is None:
                continue
            if day > transmission_date:
                self.add(
                    "PF-10",
                    line,
                    code,
                    f"export date {day:%m/%d/%Y} is after the transmission date {transmission_date:%m/%d/%Y}",
                    n,
                )
            elif replacement and day < add_years(transmission_date, -5):
                self.add(
                    "PF-10",
                    line,
                    code,
                    f"a replacement may not cite an export more than 5 years before its transmission "
                    f"({day:%m/%d/%Y})",
                    n,
                )


def validate_claim_file(
    text: str, *, offsets: dict[str, int] | None = None, claim_offsets: dict[str, int] | None = None
) -> list[Problem]:
    """Every problem of a CATAIR file the file itself shows (see the module's list), in file order. Empty
    = clean. `offsets`: check digit offsets CBP granted to filer codes (CATAIR App. E step 6);
    `claim_offsets`: those of the filer's drawback claim numbers, where they differ."""
    checker = _Checker()
    checker.offsets = offsets or {}
    checker.claim_offsets = claim_offsets or {}
    records = []
    for number, line in enumerate(records_of(text), start=1):
        code = record_code(line)
        if code not in RECORDS:
            checker.add("PF-01", number, code, f"unknown record identifier {line[:2]!r}")
            continue
        for message in field_problems(line):
            checker.add("PF-01", number, code, message)
        records.append((number, code, _values(line)))
    transmission_date = records[0][2].get("transmission_date") if records and records[0][1] == "A" else None
    for claim in checker.structure(records):
        checker.limits(claim)
        checker.header(claim)
        checker.imports(claim)
        checker.retail(claim)
        checker.exports(claim)
        checker.dates(claim, transmission_date)
        checker.totals(claim)
    checker.problems.sort(key=lambda p: (p.line or 0, p.rule))
    return checker.problems
