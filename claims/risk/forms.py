from django import forms

from claims.models import Finding

from . import RULE_TITLES

STATUS_ACTIVE = ""
STATUS_ALL = "all"


class FindingFilterForm(forms.Form):
    severity = forms.ChoiceField(required=False, choices=[("", "Any severity"), *Finding.Severity.choices])
    rule = forms.ChoiceField(required=False, choices=[("", "Any rule"), *RULE_TITLES.items()])
    status = forms.ChoiceField(
        required=False,
        choices=[(STATUS_ACTIVE, "Open and acknowledged"), *Finding.Status.choices, (STATUS_ALL, "All")],
    )

    def filters(self) -> dict:
        """Keyword arguments for selectors.finding_list; invalid input counts as no filter."""
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status", STATUS_ACTIVE)
        return {
            "severity": data.get("severity", ""),
            "rule": data.get("rule", ""),
            "status": "" if status in (STATUS_ACTIVE, STATUS_ALL) else status,
            "active_only": status == STATUS_ACTIVE,
        }


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
