"""The steps of the full assessment: what each asks, its form, and how its answers are kept.

A step's form as last posted is kept raw in `Assessment.drafts` (so going back never loses what was typed,
even what did not pass the checks yet), and its checked answers in `Assessment.answers` (JSON: dates as ISO
text, amounts as decimal text). A step counts as done once its answers are stored.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils.datastructures import MultiValueDict

from . import forms as f


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    intro: str
    form: type | None  # a Form or a formset class; None for the files and review steps
    is_formset: bool = False


STEPS = [
    Step(
        "company",
        "Company",
        "Who imports: the company named as importer of record on your entry summaries.",
        f.CompanyForm,
    ),
    Step(
        "contacts",
        "Contacts",
        "Who we should talk to. Each contact can later get their own log-in to see the claims.",
        f.ContactFormSet,
        is_formset=True,
    ),
    Step(
        "products",
        "Products",
        "What you import and export, with the HTS numbers if you have them (the entry summaries show them).",
        f.ProductFormSet,
        is_formset=True,
    ),
    Step("imports", "Imports", "How much you import, and who files your entries.", f.ImportsForm),
    Step("exports", "Exports", "How goods leave the United States, and what proves it.", f.ExportsForm),
    Step("data", "Data sources", "Where your import and export records can be found.", f.DataSourcesForm),
    Step(
        "privileges",
        "Privileges and rulings",
        "Drawback privileges and rulings CBP granted you, or that you applied for, if any: accelerated "
        "payment, waiver of prior notice, a manufacturing ruling, a compliance program. Leave the rows "
        "empty if none.",
        f.PrivilegeFormSet,
        is_formset=True,
    ),
    Step(
        "documents",
        "Documents",
        "Examples of your records. With an ACE ES-003 report (or your broker's entry data) and your export "
        "data (an AES/EEI listing), we compute a preliminary refund from your own figures.",
        None,
    ),
    Step("review", "Review and send", "Check your answers, then send the assessment.", None),
]
BY_SLUG = {s.slug: s for s in STEPS}
# Steps whose answers must be stored before the assessment can be sent.
REQUIRED = ["company", "contacts", "products", "imports", "exports", "data", "privileges"]


def step_index(slug: str) -> int:
    return next(i for i, s in enumerate(STEPS) if s.slug == slug)


def neighbours(slug: str) -> tuple[Step | None, Step | None]:
    i = step_index(slug)
    return (STEPS[i - 1] if i > 0 else None), (STEPS[i + 1] if i + 1 < len(STEPS) else None)


def bound_form(step: Step, data: dict | MultiValueDict | None):
    """The step's form bound to posted data, or to the draft kept (None: a blank form)."""
    if step.form is None:
        return None
    if data is not None and not isinstance(data, MultiValueDict):
        data = MultiValueDict(data)
    return step.form(data=data, prefix=step.slug if step.is_formset else None)


def raw_of(post) -> dict[str, list[str]]:
    """What was posted for a step, kept as lists of strings (the form's own fields only)."""
    skip = {"csrfmiddlewaretoken", "go", f.HONEYPOT}
    return {key: post.getlist(key) for key in post if key not in skip}


def _json(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def answers_of(step: Step, form) -> dict | list:
    """The checked answers of a valid form or formset, as JSON. Blank formset rows are left out."""
    if step.is_formset:
        return [
            {k: _json(v) for k, v in row.cleaned_data.items()}
            for row in form.forms
            if row.cleaned_data and row.has_changed()
        ]
    return {k: _json(v) for k, v in form.cleaned_data.items()}


def choice_labels(form_class: type[forms.Form], field: str, keys) -> list[str]:
    choices = dict(form_class.base_fields[field].choices)
    return [str(choices.get(k, k)) for k in keys or ()]
