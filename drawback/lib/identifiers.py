"""Importer / exporter numbers as CBP takes them (CBP Form 5106, Form 7553 block 1). No Django imports.

Accepted shapes (dashes optional on input, stored normalised):
- IRS EIN with suffix: NN-NNNNNNNXX (9 digits + 2-character suffix; `00` when there is none)
- EIN without suffix: NN-NNNNNNN (the suffix `00` is added)
- CBP-assigned number: YYDDPP-NNNNN (6 digits + 5 digits)
- SSN: NNN-NN-NNNN
"""

import re


class IdentifierError(ValueError):
    pass


_EIN = re.compile(r"^(\d{2})-?(\d{7})([0-9A-Z]{2})?$")
_CBP = re.compile(r"^(\d{6})-(\d{5})$")
_SSN = re.compile(r"^(\d{3})-(\d{2})-(\d{4})$")


def normalize_importer_number(text: str) -> str:
    value = re.sub(r"\s", "", str(text or "")).upper()
    if m := _SSN.match(value):
        return "-".join(m.groups())
    if m := _CBP.match(value):
        return "-".join(m.groups())
    if m := _EIN.match(value):
        prefix, body, suffix = m.groups()
        if prefix == "00":
            raise IdentifierError(f"an EIN cannot begin with 00: {text!r}")
        return f"{prefix}-{body}{suffix or '00'}"
    raise IdentifierError(
        f"importer/exporter number must be an EIN with suffix (NN-NNNNNNNXX), "
        f"a CBP-assigned number (YYDDPP-NNNNN) or an SSN (NNN-NN-NNNN): {text!r}"
    )


def same_party(number: str, own: str, *, ein_only: bool = False) -> bool:
    """Whether two normalised importer/exporter numbers name the same party. With `ein_only`, an EIN
    matches whatever its suffix (AES reports the USPPI's EIN without the suffix CBP adds)."""
    if ein_only and _EIN.match(number) and _EIN.match(own):
        return number[:10] == own[:10]
    return number == own


def is_valid_importer_number(text: str) -> bool:
    try:
        normalize_importer_number(text)
    except IdentifierError:
        return False
    return True
