"""Forms of the upload pages: they check the shape of input only; services do the rest."""

from django import forms

from .ingest.base import norm_header
from .ingest.core import get_parser
from .models import ColumnMapping, Upload

CLIENT_KINDS = [choice for choice in Upload.Kind.choices if choice[0] != Upload.Kind.HTS]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "Recognise from the header row"), *CLIENT_KINDS], required=False, label="Kind of file"
    )
    file = forms.FileField(help_text="CSV (UTF-8) or XLSX")
    allow_partial = forms.BooleanField(
        required=False,
        label="Load the valid rows and keep the rejected ones (otherwise any error stores nothing)",
    )
    mapping = forms.ModelChoiceField(
        queryset=ColumnMapping.objects.none(), required=False, label="Column mapping", empty_label="Automatic"
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mapping"].queryset = ColumnMapping.objects.filter(client=client).order_by("kind", "name")
        self.fields["mapping"].label_from_instance = lambda m: f"{m.name} ({m.kind})"


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
