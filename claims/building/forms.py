"""The build form: which exports to claim, the filing date, the drawback office and the method proposed."""

from django import forms
from django.utils import timezone

from claims.engine.model import Method
from claims.models import DRAWBACK_PORTS
from exports.models import Export

from .parameters import BuildParameters, ParameterError
from .proposal import METHOD_NAMES


class BuildForm(forms.Form):
    export_from = forms.DateField(
        required=False, label="Exports from", widget=forms.DateInput(attrs={"type": "date"})
    )
    export_to = forms.DateField(
        required=False, label="Exports to", widget=forms.DateInput(attrs={"type": "date"})
    )
    destinations = forms.MultipleChoiceField(
        required=False, label="Destinations", help_text="None selected: every destination"
    )
    product = forms.CharField(
        required=False, max_length=13, label="HTS / product prefix", help_text="e.g. 6109 or 6109.10.00"
    )
    disposition = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Exports and destructions"),
            ("export", "Exports only"),
            ("destroy", "Destructions only"),
        ],
    )
    filing_date = forms.DateField(label="Filing date", widget=forms.DateInput(attrs={"type": "date"}))
    drawback_port = forms.ChoiceField(label="Drawback office", choices=DRAWBACK_PORTS)
    method = forms.ChoiceField(
        label="Method to propose", choices=[(m.value, METHOD_NAMES[m]) for m in Method], initial="optimal"
    )
    accelerated_payment = forms.BooleanField(
        required=False,
        label="Request accelerated payment",
        help_text="On each claim the client's bond can carry (19 CFR 190.92)",
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        codes = (
            Export.objects.filter(client=client, quantity_available__gt=0)
            .exclude(destination="")
            .order_by("destination")
            .values_list("destination", flat=True)
            .distinct()
        )
        self.fields["destinations"].choices = [(c, c) for c in codes]
        self.fields["filing_date"].initial = timezone.localdate()
        port = client.firm.drawback_port
        self.fields["drawback_port"].initial = port if port in dict(DRAWBACK_PORTS) else DRAWBACK_PORTS[0][0]
        # Ticked when the client holds an approved accelerated payment privilege with headroom left.
        from claims.privileges.selectors import bond_position

        self.bond = bond_position(client=client)
        self.fields["accelerated_payment"].initial = self.bond is not None and (
            self.bond.headroom is None or self.bond.headroom > 0
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.parameters = BuildParameters.from_json(
                {
                    "export_from": data.get("export_from"),
                    "export_to": data.get("export_to"),
                    "destinations": data.get("destinations") or [],
                    "product": data.get("product") or "",
                    "disposition": data.get("disposition") or "",
                    "filing_date": data.get("filing_date"),
                    "drawback_port": data.get("drawback_port"),
                    "method": data.get("method"),
                    "accelerated_payment": bool(data.get("accelerated_payment")),
                }
            )
        except ParameterError as exc:
            field, _, message = str(exc).partition(": ")
            if field in self.fields:
                self.add_error(field, message)
            else:
                raise forms.ValidationError(str(exc)) from exc
        return data
