"""Forms of the imports pages (documents and uploads). They check the shape of input only: imports.documents
checks a document file itself, and the services do the rest."""

from django import forms
from django.conf import settings

from .documents import ALLOWED_EXTENSIONS
from .ingest.base import norm_header
from .ingest.core import get_parser
from .models import ColumnMapping, DataFeed, Document, Upload


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        help_text=f"{ALLOWED_EXTENSIONS}; at most {settings.DOCUMENT_MAX_BYTES // (1024 * 1024)} MB",
        widget=forms.ClearableFileInput(attrs={"accept": ALLOWED_EXTENSIONS.replace(" ", "")}),
    )
    doc_type = forms.ChoiceField(label="Type", choices=[("", "Choose…"), *Document.Type.choices])
    note = forms.CharField(max_length=300, required=False)
    entry_number = forms.CharField(
        max_length=20, required=False, label="Attach to entry", help_text="Entry number, e.g. B76-0324527-8"
    )
    export_ref = forms.CharField(
        max_length=60, required=False, label="Attach to export", help_text="Export reference"
    )


class DocumentAttachForm(forms.Form):
    entry_number = forms.CharField(max_length=20, required=False, label="Entry number")
    export_ref = forms.CharField(max_length=60, required=False, label="Export reference")

    def clean(self):
        data = super().clean()
        if not data.get("entry_number") and not data.get("export_ref"):
            raise forms.ValidationError("Give an entry number or an export reference.")
        return data


CLIENT_KINDS = [choice for choice in Upload.Kind.choices if choice[0] != Upload.Kind.HTS]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "Recognise from the header row"), *CLIENT_KINDS], required=False, label="Kind of file"
    )
    file = forms.FileField(help_text="CSV (UTF-8) or XLSX", required=False)
    allow_partial = forms.BooleanField(
        required=False,
        label="Load the valid rows and keep the rejected ones (otherwise any error stores nothing)",
    )
    mapping = forms.ModelChoiceField(
        queryset=ColumnMapping.objects.none(), required=False, label="Column mapping", empty_label="Automatic"
    )
    map_columns = forms.BooleanField(
        required=False,
        label="Map the file's columns myself (the mapping is saved for this client's next files)",
    )
    # A file already sent whose layout was not recognised, kept while the analyst chooses its kind.
    pending = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, client, pending_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.pending_name = pending_name
        self.unrecognised = ""  # why the file sent was kept: its header row matched no layout
        self.fields["mapping"].queryset = ColumnMapping.objects.filter(client=client).order_by("kind", "name")
        self.fields["mapping"].label_from_instance = lambda m: f"{m.name} ({m.kind})"
        if pending_name:
            self.fields["file"].help_text = f"Leave empty to use {pending_name}, already sent"

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("pending") and self.pending_name):
            self.add_error("file", "Choose the file to upload.")
        if data.get("map_columns") and data.get("mapping"):
            self.add_error("map_columns", "Either choose a saved mapping or map the columns yourself.")
        return data


class TariffUploadForm(forms.Form):
    file = forms.FileField(help_text="The USITC HTS download: CSV as published, or the JSON variant")
    allow_partial = forms.BooleanField(required=False, label="Load the valid rows and keep the rejected ones")


class MappingForm(forms.Form):
    """One select per field of the kind, offering the file's own column headers."""

    name = forms.CharField(max_length=100, help_text="e.g. the name of the client's filing software")

    def __init__(self, *args, kind: str, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        parser = get_parser(kind)
        choices = [("", "(not in this file)")] + [(h, h) for h in headers]
        by_name = {norm_header(h): h for h in headers}
        self.field_keys = []
        for field in parser.fields:
            guess = next((by_name[norm_header(n)] for n in field.headers if norm_header(n) in by_name), "")
            self.fields[f"field_{field.key}"] = forms.ChoiceField(
                choices=choices,
                required=False,
                initial=guess,
                label=f"{field.label}{' (required)' if field.required else ''}",
            )
            self.field_keys.append(field.key)

    def mapping(self) -> dict[str, str]:
        return {
            key: self.cleaned_data[f"field_{key}"]
            for key in self.field_keys
            if self.cleaned_data[f"field_{key}"]
        }


class DataFeedForm(forms.ModelForm):
    """A client's data feed: where files arrive, what they are, how often to look."""

    class Meta:
        model = DataFeed
        fields = [
            "name",
            "source",
            "location",
            "kind",
            "pattern",
            "doc_type",
            "allow_partial",
            "every_minutes",
            "analyst",
            "is_active",
        ]
        labels = {"doc_type": "Document type (documents feeds)", "every_minutes": "Look every (minutes)"}

    def __init__(self, *args, client, **kwargs):
        from drawback.accounts.models import User

        super().__init__(*args, **kwargs)
        self.fields["analyst"].queryset = User.objects.filter(firm_id=client.firm_id, is_active=True).exclude(
            role=User.Role.CLIENT_USER
        )
        self.fields[
            "location"
        ].help_text = (
            f"Below the client's own feed folder ({client.code}/ of the feed root or prefix); blank for it."
        )
