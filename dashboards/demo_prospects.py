"""Demo leads for `manage.py seed_demo`: a questionnaire with contact details, and a sent assessment with an
ES-003 report and AES exports generated like the demo clients' files, its estimate computed (inline without
a broker, by the worker with one). Repeatable: leads already there are left as they are."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.datastructures import MultiValueDict

from dashboards import demo
from drawback.accounts.models import Firm
from drawback.prospects import questionnaire as q
from drawback.prospects import services
from drawback.prospects.forms import consent_text
from drawback.prospects.models import Lead
from drawback.prospects.steps import BY_SLUG, answers_of, bound_form

PROSPECT = demo.DemoClient(
    "gulfcoast",
    "Gulf Coast Apparel LLC",
    "45-1234567AA",
    ("G7C",),
    demo.ACME_PRODUCTS[:4],
    ("CN", "VN"),
    60,
    30,
    20263,
)


def _rows(prefix: str, rows: list[dict]) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


STEPS = {
    "company": {
        "legal_name": PROSPECT.legal_name,
        "importer_number": PROSPECT.importer_number,
        "address": "1 Dock Street\nHouston, TX 77002",
    },
    "contacts": _rows(
        "contacts",
        [{"name": "Dana Reyes", "email": "dana@gulfcoast.example.com", "title": "Finance director"}],
    ),
    "products": _rows("products", [{"description": p.description, "hts": p.hts} for p in PROSPECT.products]),
    "imports": {"entries_per_year": "60", "duties_per_year": "180000", "brokers": "Harbor Brokers (B76)"},
    "exports": {"processes": ["direct", "intermediary"], "proof": ["aes", "bills_of_lading"]},
    "data": {"sources": ["ace_reports", "broker_files"]},
    "privileges": _rows(
        "privileges",
        [{"kind": "waiver_prior_notice", "reference": "WPN-2023-0311", "granted_on": "2023-04-03"}],
    ),
}


def load(stdout) -> None:
    firm = Firm.objects.order_by("pk").first()
    if firm is None:
        return
    if not Lead.objects.filter(firm=firm, company="Lakeside Outdoor Gear").exists():
        _questionnaire_lead(firm)
    if not Lead.objects.filter(firm=firm, company=PROSPECT.legal_name).exists():
        _assessment(firm)
    leads = Lead.objects.filter(firm=firm).count()
    stdout.write(f"Prospects: {leads} leads (see /leads/; the public site is at /)")


@transaction.atomic
def _questionnaire_lead(firm: Firm) -> None:
    answers = q.Answers(
        duties="500k_2m",
        exports="regularly",
        share_leaving="25_50",
        destroyed_returned="returned",
        manufacturing="no",
        ch99_share="half",
        ch99_programs=("s301", "s232"),
        destinations="mixed",
        records="3_4",
        current_claims="none",
        industry="consumer",
    )
    lead = services.lead_from_questionnaire(firm=firm, answers=answers)
    services.lead_contact_record(
        lead=lead,
        name="Jordan Miles",
        company="Lakeside Outdoor Gear",
        email="jordan@lakeside.example.com",
        phone="",
        consent_text=consent_text(firm.name),
    )


def _assessment(firm: Firm) -> None:
    assessment = services.assessment_start(firm=firm)
    for slug, data in STEPS.items():
        step = BY_SLUG[slug]
        raw = {k: v if isinstance(v, list) else [v] for k, v in data.items()}
        form = bound_form(step, MultiValueDict(raw))
        if not form.is_valid():
            raise ValueError(f"demo assessment step {slug}: {form.errors}")
        services.assessment_step_save(
            assessment=assessment, step=slug, raw=raw, answers=answers_of(step, form)
        )
    files = demo.generate(PROSPECT)
    for kind, name, text in (
        ("ace_report", "ES003_gulfcoast.csv", files["es003"]),
        ("export_data", "AES_gulfcoast.csv", files["aes"]),
    ):
        services.assessment_file_add(assessment=assessment, kind=kind, file=ContentFile(text.encode(), name))
    services.assessment_submit(
        assessment=assessment, consent_text=consent_text(firm.name), base_url="http://127.0.0.1:8000"
    )
