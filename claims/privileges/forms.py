"""Input shapes for the applications and rulings pages; they check form and nothing more (the rules are
Privilege.clean and the services')."""

from django import forms
from django.utils import timezone

from drawback.accounts.models import Privilege
from imports.models import Document

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DETAILS = [
    "reference",
    "ruling_type",
    "submitted_on",
    "decided_on",
    "granted_on",
    "expires_on",
    "bond_type",
    "surety_code",
    "surety_name",
    "bond_number",
    "bond_amount",
    "bond_effective_on",
    "notes",
]


class PrivilegeForm(forms.ModelForm):
    """The details of an application or privilege (its status moves through StatusForm)."""

    class Meta:
        model = Privilege
        fields = DETAILS
        widgets = {
            name: DATE
            for name in ("submitted_on", "decided_on", "granted_on", "expires_on", "bond_effective_on")
        } | {"notes": forms.Textarea(attrs={"rows": 3})}
        labels = {"granted_on": "Effective from", "expires_on": "Expires on (last day)"}


class NewPrivilegeForm(PrivilegeForm):
    """A new application, or a privilege CBP already granted (status approved, with its dates)."""

    kind = forms.ChoiceField(choices=Privilege.Kind.choices, label="Privilege or ruling")
    status = forms.ChoiceField(choices=Privilege.Status.choices, initial=Privilege.Status.DRAFTING)

    class Meta(PrivilegeForm.Meta):
        fields = ["kind", "status", *DETAILS]


class StatusForm(forms.Form):
    to = forms.ChoiceField(label="New status")
    on = forms.DateField(label="On", widget=DATE, help_text="The day it happened")
    granted_on = forms.DateField(
        label="Effective from", widget=DATE, required=False, help_text="When approving: first day in force"
    )
    expires_on = forms.DateField(
        label="Expires on", widget=DATE, required=False, help_text="When approving: last day, if any"
    )
    note = forms.CharField(label="Note", max_length=500, required=False)

    def __init__(self, *args, privilege: Privilege, **kwargs):
        super().__init__(*args, **kwargs)
        moves = Privilege.MOVES.get(privilege.status, ())
        self.fields["to"].choices = [(s, Privilege.Status(s).label) for s in moves]
        self.fields["on"].initial = timezone.localdate()


class AttachForm(forms.Form):
    file = forms.FileField(label="Document")
    doc_type = forms.ChoiceField(
        label="Type",
        choices=[
            (Document.Type.CBP_CORRESPONDENCE, Document.Type.CBP_CORRESPONDENCE.label),
            (Document.Type.OTHER, "Application, bond or other"),
        ],
    )
    note = forms.CharField(max_length=300, required=False)
