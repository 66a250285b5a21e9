"""Input shapes for the CBP pages; they check form and nothing more."""

from django import forms

from drawback.accounts.models import User


class RespondForm(forms.Form):
    response_text = forms.CharField(
        label="Response to CBP", widget=forms.Textarea(attrs={"rows": 6, "cols": 80}), max_length=20000
    )


class AssignForm(forms.Form):
    assigned_to = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="Assigned analyst"
    )

    def __init__(self, *args, firm_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = User.objects.filter(firm_id=firm_id, is_active=True).exclude(
            role=User.Role.CLIENT_USER
        )


class AttachForm(forms.Form):
    file = forms.FileField(label="Document")
    note = forms.CharField(max_length=300, required=False)


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProtestForm(forms.Form):
    number = forms.CharField(label="Protest number", max_length=20, help_text="e.g. 2704-26-100123")
    filed_on = forms.DateField(label="Filed on", widget=DATE_INPUT)
    grounds = forms.CharField(
        label="Grounds", widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=20000
    )


class ProtestDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="CBP's decision",
        choices=[("allowed", "Allowed"), ("denied", "Denied")],
        widget=forms.RadioSelect,
    )
    decided_on = forms.DateField(label="Decided on", widget=DATE_INPUT)
    note = forms.CharField(
        label="CBP's reasons", required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
    )


class NoticeForm(forms.Form):
    """A CBP notice received outside the gateway: one amount field per accounting class of the claim."""

    kind = forms.ChoiceField(label="CBP notice")
    notice_date = forms.DateField(label="Date on the notice", widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label="CBP's reference", max_length=60, required=False)
    document = forms.FileField(label="CBP's document")

    def __init__(self, *args, classes: list[str], **kwargs):
        from .models import CbpNotice

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = CbpNotice.Kind.choices
        self.classes = classes
        for cls in classes:
            self.fields[f"amount_{cls}"] = forms.DecimalField(
                label=f"Class {cls} amount", max_digits=16, decimal_places=2, min_value=0, required=False
            )

    def amounts(self) -> dict[str, str]:
        return {
            cls: str(self.cleaned_data[f"amount_{cls}"])
            for cls in self.classes
            if self.cleaned_data.get(f"amount_{cls}") is not None
        }
