"""Forms of the public pages (questionnaire, contact, assessment steps, files) and the staff's lead pages.
They check the shape of input only; the services do the rest."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.text import slugify

from drawback.accounts.models import Client, Privilege, User, validate_importer_number
from drawback.lib.identifiers import IdentifierError, normalize_importer_number
from imports.documents import ALLOWED_EXTENSIONS

from . import questionnaire as q
from .models import AssessmentFile, Lead

# A field people never see (moved off-screen by CSS, skipped by the tab key) and bots fill in.
HONEYPOT = "website"


def honeypot_tripped(request) -> bool:
    return bool(request.POST.get(HONEYPOT, "").strip())


def _choices(options: dict[str, q.Option]) -> list[tuple[str, str]]:
    return [(o.key, o.label) for o in options.values()]


def _radio(label: str, options: dict[str, q.Option], help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=_choices(options), widget=forms.RadioSelect, help_text=help_text
    )


class QuestionnaireForm(forms.Form):
    duties = _radio(
        "1. About how much do you pay in import duties, taxes and fees each year?",
        q.DUTIES,
        "Your customs broker's statements or the ACE portal show it; a rough idea is enough.",
    )
    exports = _radio("2. Do you export, or re-export, goods?", q.EXPORTS)
    share_leaving = _radio(
        "3. What share of the goods you import, or goods just like them, later leave the United States?",
        q.SHARE_LEAVING,
        "Sold abroad, shipped back to a supplier, or destroyed under CBP supervision all count.",
    )
    destroyed_returned = _radio(
        "4. Do you destroy imported goods, or send defective or wrong goods back to the supplier?",
        q.DESTROYED_RETURNED,
    )
    manufacturing = _radio(
        "5. Do you make products in the US from imported materials or parts?", q.MANUFACTURING
    )
    ch99_share = _radio(
        "6. How much of your duties are additional tariffs (Section 301, Section 232, IEEPA and the like)?",
        q.CH99_SHARE,
    )
    ch99_programs = forms.MultipleChoiceField(
        label="Which additional tariffs do you pay?",
        choices=[(p.key, p.label) for p in q.PROGRAMS.values()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Tick all that apply; leave empty if none.",
    )
    destinations = _radio("7. Where do your exports go?", q.DESTINATIONS)
    records = _radio(
        "8. How many years of import and export records do you keep?",
        q.RECORDS,
        "Entry summaries, invoices, export filings, bills of lading.",
    )
    current_claims = _radio("9. Do you claim drawback today?", q.CURRENT_CLAIMS)
    industry = forms.ChoiceField(
        label="10. Your industry", choices=[("", "Choose…"), *_choices(q.INDUSTRIES)]
    )

    def answers(self) -> q.Answers:
        data = dict(self.cleaned_data)
        data["ch99_programs"] = tuple(data.get("ch99_programs") or ())
        return q.Answers(**data)


def consent_text(firm_name: str) -> str:
    return (
        f"I agree that {firm_name} may contact me about drawback by e-mail or phone, and may keep what I "
        f"entered here for that purpose."
    )


class ContactForm(forms.Form):
    name = forms.CharField(max_length=200, label="Your name")
    company = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(label="E-mail")
    phone = forms.CharField(max_length=40, required=False)
    consent = forms.BooleanField(
        error_messages={"required": "Tick the box so we may contact you, or leave your details out."}
    )

    def __init__(self, *args, firm_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = consent_text(firm_name)


# --- assessment steps


class CompanyForm(forms.Form):
    legal_name = forms.CharField(max_length=200, label="Legal name of the company")
    importer_number = forms.CharField(
        max_length=20,
        label="Importer of record (IOR) number",
        help_text="The EIN with its 2-character suffix (NN-NNNNNNNXX), or the number CBP assigned.",
    )
    exporter_number = forms.CharField(
        max_length=20, required=False, label="Exporter's EIN", help_text="If you export under another number."
    )
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500)

    def _number(self, field: str) -> str:
        """Checked and written the way a client's number is (drawback.lib.identifiers)."""
        value = self.cleaned_data.get(field, "").strip()
        if not value:
            return ""
        try:
            return normalize_importer_number(value)
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from exc

    def clean_importer_number(self) -> str:
        return self._number("importer_number")

    def clean_exporter_number(self) -> str:
        return self._number("exporter_number")


class ContactRowForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(label="E-mail")
    phone = forms.CharField(max_length=40, required=False)
    title = forms.CharField(max_length=100, required=False, label="Job title")


class BaseContactFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        emails = [f.cleaned_data.get("email", "").lower() for f in self.forms if f.cleaned_data]
        if len(emails) != len(set(emails)):
            raise ValidationError("Each contact needs an e-mail address of their own.")


ContactFormSet = forms.formset_factory(
    ContactRowForm,
    formset=BaseContactFormSet,
    extra=2,
    min_num=1,
    max_num=4,
    validate_min=True,
    validate_max=True,
)

hts_validator = RegexValidator(
    r"^\d{4}(\.?\d{2}){1,3}$", "Write the HTS number with 6 to 10 digits, e.g. 6109.10.00 or 6109100012."
)


class ProductRowForm(forms.Form):
    description = forms.CharField(max_length=200, label="Product")
    hts = forms.CharField(max_length=13, required=False, label="HTS number", validators=[hts_validator])


ProductFormSet = forms.formset_factory(
    ProductRowForm, extra=2, min_num=1, max_num=10, validate_min=True, validate_max=True
)


class ImportsForm(forms.Form):
    entries_per_year = forms.IntegerField(
        min_value=0, required=False, label="Import entries per year", help_text="About how many."
    )
    duties_per_year = forms.DecimalField(
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
        label="Duties, taxes and fees per year ($)",
    )
    brokers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        label="Customs brokers",
        help_text="Names, and filer codes if you know them.",
    )
    ports = forms.CharField(max_length=200, required=False, label="Main ports of entry")


class ExportsForm(forms.Form):
    PROCESSES = [
        ("direct", "We export goods ourselves"),
        ("intermediary", "We sell to companies that export them"),
        ("manufacture", "We export products made from imported inputs"),
        ("returns", "We send defective or wrong goods back"),
        ("destruction", "We destroy goods"),
    ]
    PROOF = [
        ("aes", "AES/EEI filings with their ITN"),
        ("bills_of_lading", "Bills of lading or air waybills"),
        ("invoices", "Commercial invoices of the exports"),
        ("destruction", "Certificates of destruction"),
        ("none", "None of these yet"),
    ]
    processes = forms.MultipleChoiceField(
        choices=PROCESSES, widget=forms.CheckboxSelectMultiple, label="How goods leave the US"
    )
    proof = forms.MultipleChoiceField(
        choices=PROOF, widget=forms.CheckboxSelectMultiple, label="Proof of export you keep"
    )
    export_share = forms.IntegerField(
        min_value=0, max_value=100, required=False, label="Share of imports that leave the US (%)"
    )
    destinations = forms.CharField(max_length=200, required=False, label="Main destination countries")


class DataSourcesForm(forms.Form):
    SOURCES = [
        ("ace_reports", "We can run ACE reports (ES-003) ourselves"),
        ("broker_files", "Our customs broker can send entry data"),
        ("erp", "Our ERP holds import and export records"),
        ("spreadsheets", "Spreadsheets we keep ourselves"),
    ]
    sources = forms.MultipleChoiceField(
        choices=SOURCES, widget=forms.CheckboxSelectMultiple, label="Where your data is"
    )
    erp_name = forms.CharField(max_length=100, required=False, label="ERP system")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False)


class PrivilegeRowForm(forms.Form):
    # Where the privilege stands, as the prospect knows it (conversion.privilege_from_statement maps it to
    # an application's status). Blank is "granted": the step asked only for granted privileges at first.
    STATED = [("granted", "Granted by CBP"), ("applied", "Applied for, CBP has not decided")]

    kind = forms.ChoiceField(choices=[("", "Choose…"), *Privilege.Kind.choices], label="Privilege or ruling")
    status = forms.ChoiceField(choices=STATED, required=False, initial="granted", label="Where it stands")
    reference = forms.CharField(
        max_length=60, required=False, help_text="Application, approval letter or ruling number"
    )
    ruling_type = forms.ChoiceField(
        choices=[("", "—"), *Privilege.RulingType.choices], required=False, label="Manufacturing ruling type"
    )
    applied_on = forms.DateField(
        required=False, label="Applied on", widget=forms.DateInput(attrs={"type": "date"})
    )
    granted_on = forms.DateField(
        required=False, label="Granted on", widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    bond_type = forms.ChoiceField(
        choices=[("", "—"), *Privilege.BondType.choices], required=False, label="Bond type"
    )
    surety_code = forms.CharField(max_length=3, required=False)
    bond_effective_on = forms.DateField(
        required=False, label="Bond effective on", widget=forms.DateInput(attrs={"type": "date"})
    )

    def has_changed(self) -> bool:
        # The status select always posts a value: a row left empty otherwise is still an empty row.
        return any(name != "status" for name in self.changed_data)

    def clean(self):
        data = super().clean()
        data["status"] = data.get("status") or "granted"
        granted = data["status"] == "granted"
        if granted and not data.get("granted_on"):
            self.add_error("granted_on", "Say when CBP granted it.")
        if not granted:
            if not data.get("applied_on"):
                self.add_error("applied_on", "Say when you applied.")
            for name in ("granted_on", "expires_on"):
                if data.get(name):
                    self.add_error(name, "An application CBP has not decided has no such date yet.")
        if data.get("expires_on") and data.get("granted_on") and data["expires_on"] < data["granted_on"]:
            self.add_error("expires_on", "A privilege cannot expire before it is granted.")
        if data.get("applied_on") and data.get("granted_on") and data["granted_on"] < data["applied_on"]:
            self.add_error("granted_on", "CBP cannot grant it before you applied.")
        if data.get("kind") == Privilege.Kind.ACCELERATED_PAYMENT:
            for name in ("bond_type", "surety_code", "bond_effective_on"):
                if not data.get(name):
                    self.add_error(
                        name, "Accelerated payment needs an activity code 1A bond (19 CFR 190.92)."
                    )
        if data.get("kind") == Privilege.Kind.MANUFACTURING_RULING:
            if granted and not data.get("reference", "").strip():
                self.add_error("reference", "Give the ruling's number (19 CFR 190.51(a)(2)).")
            if granted and not data.get("ruling_type"):
                self.add_error("ruling_type", "Say whether the ruling is specific or general.")
        elif data.get("ruling_type"):
            self.add_error("ruling_type", "Only manufacturing rulings are specific or general.")
        return data


PrivilegeFormSet = forms.formset_factory(PrivilegeRowForm, extra=2, max_num=6, validate_max=True)


class SubmitForm(forms.Form):
    consent = forms.BooleanField(
        error_messages={"required": "Tick the box to send the assessment."},
    )

    def __init__(self, *args, firm_name: str, retention_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = (
            f"{consent_text(firm_name)} The documents I uploaded are kept for {retention_days} days if we do "
            "not go on to work together."
        )


class FileForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Choose…"), *AssessmentFile.Kind.choices], label="What is it?")
    file = forms.FileField(
        help_text=f"{ALLOWED_EXTENSIONS}; at most {settings.DOCUMENT_MAX_BYTES // (1024 * 1024)} MB",
        widget=forms.ClearableFileInput(attrs={"accept": ALLOWED_EXTENSIONS.replace(" ", "")}),
    )


class ResumeEmailForm(forms.Form):
    email = forms.EmailField(label="Your e-mail address")


# --- staff


class LeadFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", help_text="Company, name, e-mail, notes")
    status = forms.ChoiceField(choices=[("", "Any"), *Lead.Status.choices], required=False)
    source = forms.ChoiceField(
        choices=[
            ("", "Any"),
            ("questionnaire", "Questionnaire only"),
            ("assessment", "With an assessment"),
        ],
        required=False,
    )
    rating = forms.ChoiceField(choices=[("", "Any"), *Lead.Rating.choices], required=False)
    owner = forms.ChoiceField(required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", "Anyone"),
            ("none", "Nobody yet"),
            *[(str(u.pk), u.get_full_name() or u.username) for u in staff],
        ]


class LeadUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=[c for c in Lead.Status.choices if c[0] != Lead.Status.CONVERTED])
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Nobody")

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="Note")


def suggested_code(name: str) -> str:
    base = slugify(name)[:20].strip("-") or "client"
    code, n = base, 2
    while Client.objects.filter(code=code).exists():
        suffix = f"-{n}"
        code = f"{base[: 20 - len(suffix)]}{suffix}"
        n += 1
    return code


class ConvertForm(forms.Form):
    code = forms.SlugField(
        max_length=20, label="Client code", help_text="Short code used on the command line"
    )
    legal_name = forms.CharField(max_length=200)
    importer_number = forms.CharField(
        max_length=20, label="IOR number", validators=[validate_importer_number]
    )
    exporter_number = forms.CharField(
        max_length=20, required=False, label="Exporter's EIN", validators=[validate_importer_number]
    )
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500, required=False)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if Client.objects.filter(code=code).exists():
            raise ValidationError("Another client has this code.")
        return code
