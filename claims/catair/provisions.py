"""Drawback provision codes (CATAIR Appendix A; catair.md section 2.1): statutory reference and meaning.

The statutory references are CBP's, verbatim; the meanings are ours. Pure Python: no Django imports.
"""

PROVISIONS: dict[str, tuple[str, str]] = {
    "51": ("1313(a)", "Direct identification manufacturing"),
    "52": ("1313(b)", "Substitution manufacturing"),
    "53": ("1313(c)(1)", "Rejected merchandise: not conforming to sample or specifications"),
    "54": ("1313(c)(2)", "Rejected merchandise: shipped without the consignee's consent"),
    "55": ("1313(c)(3)", "Rejected merchandise: defective at the time of importation"),
    "56": ("1313(c)(4)", "Rejected merchandise: sold at retail and returned"),
    "57": ("1313(d)", "Flavoring extracts, medicinal or toilet preparations, distilled spirits and wines"),
    "58": ("1313(j)(1)", "Unused merchandise, direct identification"),
    "59": ("1313(j)(2)", "Unused merchandise, substitution"),
    "60": ("1313(p)", "Substitution of finished petroleum derivatives"),
    "61": ("1313(b)(p)", "Manufactured petroleum derivatives"),
    "62": ("1313(b)(p) / 1309", "Manufactured petroleum derivatives; supplies for vessels and aircraft"),
    "63": ("1313(p)/1309", "Substituted petroleum derivatives; supplies for vessels and aircraft"),
    "64": ("5062(c)", "Distilled spirits, wines or beer that are unmerchantable or off specification"),
    "65": ("1313(j)(1) / 1313(q)", "Unused merchandise, direct identification, with packaging"),
    "66": ("1313(j)(2) / 1313(q)", "Unused merchandise, substitution, with packaging"),
    "67": ("1313(c)(1) / 1313(q)", "Rejected, not conforming, with packaging"),
    "68": ("1313(c)(2) / 1313(q)", "Rejected, shipped without consent, with packaging"),
    "69": ("1313(c)(3) / 1313(q)", "Rejected, defective, with packaging"),
    "70": ("1313(c)(4) / 1313(q)", "Rejected, sold at retail, with packaging"),
    "71": ("1313(a)(1) / 1313(q)", "Direct identification manufacturing, with packaging"),
    "72": ("1313(b) / 1313(q)", "Substitution manufacturing, with packaging"),
    "73": ("TFTEA 1313(j)(2) NAFTA Exceptions", "Unused merchandise, substitution, NAFTA exceptions"),
    "74": ("TFTEA 1313(j)(2) WINE", "Unused merchandise, substitution, table wine"),
    "75": ("TFTEA 1313(b) SOUGHT CHEMICALS", "Substitution manufacturing, sought chemical elements"),
    "76": ("1313(b) USMCA Sugar MFG Exception", "Substitution manufacturing, USMCA sugar exception"),
    "77": ("1313(j)(2) USMCA Exceptions", "Unused merchandise, substitution, USMCA exceptions"),
}


def provision_text(code: str) -> str:
    """`59` -> `59 - 19 U.S.C. 1313(j)(2): Unused merchandise, substitution`."""
    statute, meaning = PROVISIONS.get(code, ("", "unknown provision"))
    reference = f"19 U.S.C. {statute}" if statute.startswith("1313") else statute
    return f"{code} - {reference}: {meaning}" if statute else f"{code} - {meaning}"
