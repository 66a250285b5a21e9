"""The ACE drawback response (application `DX`): E0 reference and E1 condition/disposition records.

Layouts from CATAIR Rev 27 pp. 78-89 (catair.md 1.15), batch envelope from catair.md 1.2. Pure functions,
no Django: the file-exchange gateway reads these files and the sandbox writes them.

E1 (80 columns): 1-2 `E1`; 3 disposition (space not final, `A` accepted, `R` rejected); 4 severity
(`F` fatal, `W` warning, `I` informational); 5-7 condition code; 8-10 reason code; 11-50 narrative;
51-53 filer code; 56-63 entry number; 64-68 version; 69-77 broker reference.
E0 (80 columns): 1-2 `E0`; 4-9 reference data type; 11-16 occurrence; 18-24 `REF ID:`; 26-80 text.
The code a user sees is severity + condition, e.g. F555.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field

RECORD = 80


class DxFormatError(ValueError):
    """The text is not a DX response we can read; the message names the record."""


@dataclass(frozen=True)
class Condition:
    severity: str  # F, W, I or blank
    condition: str  # 3 characters, e.g. "555"
    narrative: str
    disposition: str = ""  # A or R on the final record of a claim, else blank
    reason: str = ""
    reference_type: str = ""  # E0 record that qualifies this condition, e.g. HDRREV
    reference_occurrence: int = 0
    reference_text: str = ""

    @property
    def code(self) -> str:
        return f"{self.severity}{self.condition}".strip()

    def as_dict(self) -> dict:
        out = {"code": self.code, "severity": self.severity, "text": self.narrative}
        if self.disposition:
            out["disposition"] = self.disposition
        if self.reason:
            out["reason"] = self.reason
        if self.reference_type:
            out["reference"] = {
                "type": self.reference_type,
                "occurrence": self.reference_occurrence,
                "text": self.reference_text,
            }
        return out


@dataclass
class DxResponse:
    """CBP's answer on one claim: its conditions and the final disposition, if any."""

    filer: str
    entry: str  # 8 characters: 7 digits and the check digit
    broker_ref: str = ""
    version: str = ""
    transmission_date: dt.date | None = None
    conditions: list[Condition] = field(default_factory=list)
    records: list[str] = field(default_factory=list)

    @property
    def claim_number(self) -> str:
        return f"{self.filer}{self.entry}"

    @property
    def disposition(self) -> str:
        """`A`, `R` or "" when CBP has not given a final disposition yet."""
        finals = [c.disposition for c in self.conditions if c.disposition in ("A", "R")]
        return finals[-1] if finals else ""

    @property
    def kind(self) -> str:
        return {"A": "accepted", "R": "rejected"}.get(self.disposition, "conditions")

    @property
    def fingerprint(self) -> str:
        """Stable id of this response: the same records delivered twice give the same fingerprint."""
        return hashlib.sha256("\n".join(self.records).encode()).hexdigest()[:20]


def _pad(text: str) -> str:
    if len(text) > RECORD:
        raise ValueError(f"record longer than {RECORD}: {text!r}")
    return text.ljust(RECORD)


def _field(value: str, width: int) -> str:
    return str(value)[:width].ljust(width)


def e0_record(reference_type: str, occurrence: int, text: str) -> str:
    return _pad(f"E0 {_field(reference_type, 6)} {occurrence:06d} REF ID: {_field(text, 55)}")


def e1_record(
    *,
    disposition: str,
    severity: str,
    condition: str,
    narrative: str,
    filer: str,
    entry: str,
    version: str = "",
    broker_ref: str = "",
    reason: str = "",
) -> str:
    return _pad(
        "E1"
        + _field(disposition, 1)
        + _field(severity, 1)
        + _field(condition, 3)
        + _field(reason, 3)
        + _field(narrative.upper(), 40)
        + _field(filer, 3)
        + "  "
        + _field(entry, 8)
        + _field(version, 5)
        + _field(broker_ref, 9)
        + "   "
    )


def dx_text(
    responses: list[DxResponse], *, site: str = "1001", filer: str = "", date: dt.date | None = None
) -> str:
    """A DX batch (A, B, E0/E1 ..., Y, Z) answering one or more claims, as CBP returns it."""
    filer = filer or (responses[0].filer if responses else "")
    mmddyy = date.strftime("%m%d%y") if date else "      "
    lines = [
        _pad(f"A{_field(site, 4)}{_field(filer, 3)}      {mmddyy}     DX"),
        _pad(f"B  {_field(site, 4)}{_field(filer, 3)}DX"),
    ]
    for response in responses:
        lines.append(
            e0_record("SUMMRY", 1, f"{response.filer} {response.entry} {_field(response.broker_ref, 12)}")
        )
        for c in response.conditions:
            if c.reference_type:
                lines.append(e0_record(c.reference_type, c.reference_occurrence or 1, c.reference_text))
            lines.append(
                e1_record(
                    disposition=c.disposition,
                    severity=c.severity,
                    condition=c.condition,
                    narrative=c.narrative,
                    reason=c.reason,
                    filer=response.filer,
                    entry=response.entry,
                    version=response.version,
                    broker_ref=response.broker_ref,
                )
            )
    count = len(lines) - 2  # output Y-record image count excludes B and Y (catair.md 1.2)
    lines.append(_pad(f"Y  {_field(site, 4)}{_field(filer, 3)}DX{count:05d}"))
    lines.append(_pad(f"Z{_field(site, 4)}{_field(filer, 3)}      {mmddyy}"))
    return "\n".join(lines) + "\n"


def _mmddyy(text: str) -> dt.date | None:
    text = text.strip()
    if len(text) != 6 or not text.isdigit():
        return None
    month, day, year = int(text[:2]), int(text[2:4]), 2000 + int(text[4:])
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_dx(text: str) -> list[DxResponse]:
    """Read a DX file into one DxResponse per claim. Envelope records are read for the date only.

    A claim's group opens with its E0 SUMMRY record; E1 records carry the filer and entry number too and
    win when present (CBP's own samples sometimes leave them blank). An E0 other than SUMMRY qualifies the
    E1 that follows it.
    """
    responses: list[DxResponse] = []
    current: DxResponse | None = None
    pending_ref: tuple[str, int, str] | None = None
    batch_date: dt.date | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if len(line) > RECORD:
            raise DxFormatError(f"record {number} is longer than {RECORD} characters")
        line = line.ljust(RECORD)
        tag = line[:2]
        if line[0] == "A":
            batch_date = _mmddyy(line[14:20])
            continue
        if line[0] in "BYZ" and tag not in ("E0", "E1"):
            continue
        if tag == "E0":
            if line[17:24] != "REF ID:":
                raise DxFormatError(f"record {number}: E0 without 'REF ID:' at positions 18-24")
            ref_type = line[3:9].strip()
            occurrence_text = line[10:16].strip()
            occurrence = int(occurrence_text) if occurrence_text.isdigit() else 0
            ref_text = line[25:80].rstrip()
            if ref_type == "SUMMRY":
                filer, entry = line[25:28].strip(), line[29:37].strip()
                if len(filer) != 3 or len(entry) != 8:
                    raise DxFormatError(f"record {number}: SUMMRY without filer code and entry number")
                current = DxResponse(
                    filer=filer, entry=entry, broker_ref=line[38:50].strip(), transmission_date=batch_date
                )
                current.records.append(line.rstrip())
                responses.append(current)
                pending_ref = None
            elif ref_type == "BLOCK":
                continue
            else:
                pending_ref = (ref_type, occurrence, ref_text)
                if current is not None:
                    current.records.append(line.rstrip())
            continue
        if tag == "E1":
            filer, entry = line[50:53].strip(), line[55:63].strip()
            if filer and entry:
                if current is None or current.claim_number != filer + entry:
                    current = DxResponse(filer=filer, entry=entry, transmission_date=batch_date)
                    responses.append(current)
            elif current is None:
                raise DxFormatError(f"record {number}: E1 before any SUMMRY and without an entry number")
            disposition = line[2].strip()
            if disposition not in ("", "A", "R"):
                raise DxFormatError(f"record {number}: unknown disposition {disposition!r}")
            ref = pending_ref or ("", 0, "")
            current.conditions.append(
                Condition(
                    severity=line[3].strip(),
                    condition=line[4:7].strip(),
                    reason=line[7:10].strip(),
                    narrative=line[10:50].strip(),
                    disposition=disposition,
                    reference_type=ref[0],
                    reference_occurrence=ref[1],
                    reference_text=ref[2],
                )
            )
            version = line[63:68].strip()
            if version:
                current.version = version
            broker_ref = line[68:77].strip()
            if broker_ref and not current.broker_ref:
                current.broker_ref = broker_ref
            current.records.append(line.rstrip())
            pending_ref = None
            continue
        raise DxFormatError(f"record {number}: not a DX record ({line[:2]!r})")
    if not responses:
        raise DxFormatError("no claim response (E0 SUMMRY or E1) in the file")
    return responses
