"""The claim summary PDF, in the spirit of CBP Form 7551: header, privileges, designations, exports, totals
per class and the claimant's certifications. Rendered from the same filing plan as the CATAIR file, so the
amounts on paper are the amounts transmitted."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string

from claims.catair import FilingPlan
from claims.catair.provisions import provision_text
from claims.models import ACCOUNTING_CLASSES, DRAWBACK_PORTS, Claim
from drawback.accounts.models import Privilege
from drawback.lib.entry_numbers import display
from drawback.lib.hts import dotted

# Unused-merchandise provisions ((j)), and those of them that are substitution ((j)(2)).
UNUSED_PROVISIONS = frozenset({"58", "59", "65", "66", "73", "74", "77"})
UNUSED_SUBSTITUTION_PROVISIONS = frozenset({"59", "66", "73", "74", "77"})


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def four(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.4f}"


def certifications(*, claim: Claim, plan: FilingPlan) -> list[str]:
    """The declarations the filer's electronic signature carries (CATAIR 10-record position 48, which
    gives effect to 19 CFR 190.51(a)(2)), with those that apply to this claim."""
    header = plan.claim_file.header
    texts = [
        "The filer certifies that the data or information transmitted is true and correct to the best of "
        "the filer's knowledge and belief, and will produce at once any data or information showing that "
        "the statements are not true and correct.",
        "I declare, to the best of my knowledge and belief, that all of the statements provided with this "
        "claim are correct and that the exported article(s) or merchandise is not to be relanded in the "
        "United States or any of its possessions without paying duty.",
        "The undersigned acknowledges the statutory requirement that all records supporting the information "
        "provided with this claim are to be retained by the issuing party for a period of 3 years from the "
        "date of liquidation of the drawback claim, and is fully aware of the sanctions provided in "
        "18 U.S.C. 1001, 18 U.S.C. 550 and 19 U.S.C. 1593a.",
        "The undersigned certifies that all required documentation that must be uploaded in accordance with "
        "19 CFR 190.51 will be provided to CBP within 24 hours of the filing of the drawback claim.",
    ]
    if header.waiver_prior_notice:
        texts.append(
            "The undersigned certifies continuing eligibility for the claimed waiver of prior notice "
            "(19 CFR 190.91) in compliance with 19 U.S.C. 1313 and 19 CFR part 190."
        )
    if header.accelerated_payment:
        texts.append(
            "The undersigned certifies continuing eligibility for accelerated payment (19 CFR 190.92) in "
            "compliance with 19 U.S.C. 1313 and 19 CFR part 190."
        )
    if claim.provision in UNUSED_PROVISIONS:
        texts.append(
            "The exported or destroyed merchandise herein described is unused in the United States and was "
            "not subjected to any process of manufacture or other operation except the allowable operations "
            "provided for by regulation (19 U.S.C. 1313(j))."
        )
    if claim.provision in UNUSED_SUBSTITUTION_PROVISIONS:
        texts.append(
            "The substituted merchandise is unused in the United States and was in the claimant's "
            "possession prior to exportation or destruction (19 U.S.C. 1313(j)(2))."
        )
    if header.destroyed_valuation_certification:
        texts.append(
            "The value of destroyed merchandise has been reduced by the value of materials recovered during "
            "destruction (19 U.S.C. 1313(x))."
        )
    return texts


def _privileges(claim: Claim, on: dt.date) -> list[dict]:
    rows = []
    for kind, label in Privilege.Kind.choices:
        privilege = claim.client.privilege(kind, on=on)
        if privilege is None:
            continue
        bond = ""
        if kind == Privilege.Kind.ACCELERATED_PAYMENT:
            bond = f"{privilege.get_bond_type_display()} bond, surety {privilege.surety_code}"
            if privilege.bond_number:
                bond += f", no. {privilege.bond_number}"
            if privilege.bond_amount is not None:
                bond += f", ${privilege.bond_amount:,.0f}"
            if privilege.bond_effective_on:
                bond += f", effective {privilege.bond_effective_on:%m/%d/%Y}"
        rows.append(
            {
                "label": label,
                "reference": privilege.reference,
                "granted_on": privilege.granted_on,
                "expires_on": privilege.expires_on,
                "bond": bond,
            }
        )
    return rows


def claim_summary_context(*, claim: Claim, plan: FilingPlan, transmission_date: dt.date) -> dict:
    claim_file = plan.claim_file
    classes = list(claim_file.class_totals)
    recorded = {t.accounting_class: t for t in claim.class_totals.all()}
    designations = []
    for item, line, rows in plan.imports:
        amounts = {rev.accounting_class: rev.claim_amount for rev in item.revenues}
        q = item.classifications[-1].quantities[0]
        designations.append(
            {
                "itin": f"{item.itin:05d}",
                "entry": display(line.entry.entry_number),
                "line": item.line_number,
                "import_date": line.entry.import_date,
                "hts": [dotted(c.hts) for c in item.classifications],
                "description": line.description,
                "quantity": f"{four(q.quantity)} {q.uom}",
                # 1313(b) with valuable waste or relative value: what drawback is allowed on (42-record).
                "allowable": f"{four(q.allowable_quantity)} {q.uom}"
                if q.allowable_quantity is not None
                else "",
                "egvu": four(q.entered_value_per_unit),
                "svu": four(q.substituted_value_per_unit),
                "amounts": [money(amounts.get(cls)) for cls in classes],
                "exports": sorted({d.export.export_ref for d in rows}),
                "action": "Destroyed" if item.action == "D" else "Exported",
            }
        )
    exports = [
        {
            "date": export.export_date,
            "action": "Destroyed" if item.indicator == "D" else "Exported",
            "reference": export.export_ref,
            "hts": dotted(item.hts),
            "description": export.description,
            "quantity": f"{four(item.quantity)} {item.uom}",
            "destination": export.destination if item.indicator == "E" else "",
            "exporter": export.exporter_name or claim.client.legal_name,
            "itins": ", ".join(f"{i:05d}" for i in item.itins),
        }
        for item, export, _ in plan.exports
    ]
    totals = [
        {
            "code": cls,
            "name": ACCOUNTING_CLASSES.get(cls, "User fee"),
            "claimed": money(amount),
            "calculated": money(recorded[cls].calculated_amount) if cls in recorded else "",
            "shortfall": money(claim_file.shortfalls.get(cls)),
        }
        for cls, amount in claim_file.class_totals.items()
    ]
    header = claim_file.header
    return {
        "claim": claim,
        "number": display(header.claim_number),
        "action": "Replacement (R)" if header.action == "R" else "New claim (A)",
        "provision": provision_text(claim.provision),
        "port": f"{claim.drawback_port} {dict(DRAWBACK_PORTS).get(claim.drawback_port, '')}".strip(),
        "client": claim.client,
        "firm": claim.client.firm,
        "preparer": claim.preparer.get_full_name() or claim.preparer.get_username(),
        "transmission_date": transmission_date,
        "accelerated_payment": header.accelerated_payment,
        "waiver_prior_notice": header.waiver_prior_notice,
        "bond": claim_file.bond,
        "bond_label": dict(Privilege.BondType.choices).get(claim_file.bond.bond_type, "")
        if claim_file.bond
        else "",
        "privileges": _privileges(claim, transmission_date),
        "classes": [(cls, ACCOUNTING_CLASSES.get(cls, "User fee")) for cls in classes],
        "designations": designations,
        "exports": exports,
        "totals": totals,
        "shortfall": any(claim_file.shortfalls.values()),
        "duty_total": money(claim_file.duty_total),
        "user_fee_total": money(claim_file.user_fee_total),
        "ir_tax_total": money(claim_file.ir_tax_total),
        "grand_total": money(claim_file.grand_total),
        "certifications": certifications(claim=claim, plan=plan),
        "paper": getattr(settings, "CLAIM_SUMMARY_PAPER", "Letter"),
    }


def summary_pdf_from_context(context: dict) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only PDF rendering needs.
    from weasyprint import HTML

    html = render_to_string("claims/claim_summary.html", context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def render_claim_summary_pdf(*, claim: Claim, plan: FilingPlan, transmission_date: dt.date) -> bytes:
    return summary_pdf_from_context(
        claim_summary_context(claim=claim, plan=plan, transmission_date=transmission_date)
    )
