"""The type choice page (firm staff; client users get 404): for each export of the client, the drawback type
that refunds most, why, and the alternative it beat. Computed on request from the stored data."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from claims.building.services import BuildError
from drawback.accounts.tenancy import client_for_code, require_staff

from . import report
from .data import type_inputs
from .models import BillOfMaterials, ProductionLot, RejectedReturn
from .services import type_choice_save
from .types import choose_types

# Past this many exports the alternatives (one more solve per export) are left to `designate_types`.
ALTERNATIVES_UP_TO = 30


@login_required
def type_choice(request: HttpRequest, code: str) -> HttpResponse:
    require_staff(request.user)
    client = client_for_code(request.user, code)
    filing_date = timezone.localdate()
    error = ""
    if request.GET.get("filing_date"):
        try:
            filing_date = dt.date.fromisoformat(request.GET["filing_date"])
        except ValueError:
            error = "The filing date must be a date YYYY-MM-DD; today is used."
    inputs = type_inputs(client, filing_date)
    alternatives = len(inputs.engine.exports) <= ALTERNATIVES_UP_TO
    result = choose_types(**inputs.kwargs(), alternatives=alternatives)
    return render(
        request,
        "claims/type_choice.html",
        {
            "client": client,
            "tab": "claims",
            "filing_date": filing_date,
            "error": error,
            "result": result,
            "alternatives": alternatives,
            "choices": report.choice_rows(result),
            "designations": report.designation_rows(result),
            "claims": report.claim_rows(result),
            "counts": {
                "boms": BillOfMaterials.objects.filter(client=client).count(),
                "lots": ProductionLot.objects.filter(client=client).count(),
                "returns": RejectedReturn.objects.filter(client=client).count(),
            },
        },
    )


@login_required
@require_POST
def type_choice_save_view(request: HttpRequest, code: str) -> HttpResponse:
    """Save the choice as draft claims (chosen again on the data as it is now)."""
    require_staff(request.user)
    client = client_for_code(request.user, code)
    try:
        filing_date = dt.date.fromisoformat(request.POST.get("filing_date", ""))
    except ValueError:
        filing_date = timezone.localdate()
    try:
        claims = type_choice_save(client=client, user=request.user, filing_date=filing_date)
    except BuildError as exc:
        messages.error(request, str(exc))
        return redirect("claims:types", code=code)
    numbers = ", ".join(f"{c.display_number} ({c.provision})" for c in claims)
    messages.success(request, f"Saved as {len(claims)} draft claim(s): {numbers}.")
    return redirect("claims:list", code=code)
