from django import forms


class SubmittedForm(forms.Form):
    submitted_on = forms.DateField(
        label="Submitted in ACE on", widget=forms.DateInput(attrs={"type": "date"})
    )
    ace_reference = forms.CharField(label="Declaration ID in ACE", max_length=60, required=False)


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label="Why drawback may use this entry before CAPE accepts it",
        max_length=1000,
        widget=forms.TextInput(attrs={"size": 60}),
    )
