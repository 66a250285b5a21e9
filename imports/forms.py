"""Forms for document pages. They check the shape of input; imports.documents checks the file itself."""

from django import forms
from django.conf import settings

from .documents import ALLOWED_EXTENSIONS
from .models import Document


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
