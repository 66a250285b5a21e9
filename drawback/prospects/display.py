"""What the assessment pages show, shared by the prospect's pages and the staff's lead page: the answers
with their labels, each file with the reasons its rows were refused (in plain words), and an estimate's
stored result with its amounts as Decimal again."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.forms.utils import pretty_name

from imports.models import Upload, UploadError

from .forms import QuestionnaireForm
from .models import Assessment, AssessmentFile, Estimate
from .steps import STEPS

PROBLEMS_SHOWN = 20


def _label(form_class, name: str, value) -> str:
    base = form_class.base_fields[name]
    choices = dict(getattr(base, "choices", []) or [])
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value) or "—"
    if choices and value in choices:
        return str(choices[value])
    return "—" if value in (None, "") else str(value)


def answers_display(assessment: Assessment) -> list[dict]:
    """[{step, slug, done, rows: [(label, value)] or table: {headers, rows}}] in step order."""
    out = []
    for step in STEPS:
        if step.form is None:
            continue
        answers = assessment.answers.get(step.slug)
        entry = {
            "title": step.title,
            "slug": step.slug,
            "done": answers is not None,
            "rows": [],
            "table": None,
        }
        if step.is_formset:
            row_form = step.form.form
            names = list(row_form.base_fields)
            entry["table"] = {
                "headers": [str(row_form.base_fields[n].label or pretty_name(n)) for n in names],
                "rows": [[_label(row_form, n, row.get(n)) for n in names] for row in answers or []],
            }
        elif answers is not None:
            entry["rows"] = [
                (str(step.form.base_fields[n].label or pretty_name(n)), _label(step.form, n, answers.get(n)))
                for n in step.form.base_fields
            ]
        out.append(entry)
    return out


@dataclass
class FileView:
    file: AssessmentFile
    read_as: str = ""
    status: str = ""
    status_code: str = ""
    rows: int = 0
    loaded: int = 0
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0
    message: str = ""


def _plain(error: UploadError) -> str:
    where = f"Row {error.row}" if error.row else "The file"
    if error.column:
        where += f", column “{error.column}”"
    value = f" (it holds “{error.value[:60]}”)" if error.value else ""
    return f"{where}: {error.message}{value}"


def files_display(assessment: Assessment) -> list[FileView]:
    views = []
    for stored in assessment.files.select_related("upload"):
        view = FileView(file=stored)
        upload: Upload | None = stored.upload
        if upload is not None:
            view.read_as = upload.get_kind_display()
            view.status, view.status_code = upload.get_status_display(), upload.status
            view.rows = upload.rows_read
            view.loaded = upload.created + upload.updated + upload.unchanged
            errors = list(
                upload.errors.exclude(rule="rejected_with_line").order_by("row", "id")[:PROBLEMS_SHOWN]
            )
            view.problems = [_plain(e) for e in errors]
            view.more_problems = max(upload.error_count - len(errors), 0)
            view.message = upload.message
        views.append(view)
    return views


def questionnaire_display(answers: dict) -> list[tuple[str, str]]:
    """The questionnaire's questions with the answers given, as the prospect read them."""
    return [
        (str(f.label), _label(QuestionnaireForm, name, answers.get(name)))
        for name, f in QuestionnaireForm.base_fields.items()
    ]


def _d(value) -> Decimal:
    return Decimal(value) if value not in (None, "") else Decimal(0)


def estimate_display(estimate: Estimate | None) -> dict | None:
    """The stored result with amounts and dates typed again, for the templates."""
    if estimate is None or estimate.status != Estimate.Status.DONE:
        return None
    r = estimate.result
    return {
        **r,
        "refund": _d(r.get("refund")),
        "today": dt.date.fromisoformat(r["today"]),
        "filing_date": dt.date.fromisoformat(r["filing_date"]),
        "by_year": [
            {**y, "refund": _d(y["refund"]), "first_closes": dt.date.fromisoformat(y["first_closes"])}
            for y in r.get("by_year", [])
        ],
        "expiring": [
            {
                **x,
                "refund": _d(x["refund"]),
                "import_date": dt.date.fromisoformat(x["import_date"]),
                "last_export_day": dt.date.fromisoformat(x["last_export_day"]),
                "last_claim_day": dt.date.fromisoformat(x["last_claim_day"]),
            }
            for x in r.get("expiring", [])
        ],
    }
