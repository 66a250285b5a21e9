"""The firm's client list with data health, and a client's overview page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from drawback.accounts.tenancy import client_for_code, clients_for
from imports.selectors import upload_recent

from .selectors import client_health_list


@login_required
def home(request):
    if request.user.is_client_user:
        # A client user has exactly one client: their company's page is their home.
        return redirect("client_overview", request.user.client.code)
    rows = client_health_list(clients=clients_for(request.user), today=timezone.localdate())
    return render(request, "dashboards/home.html", {"rows": rows})


@login_required
def client_overview(request, code: str):
    client = client_for_code(request.user, code)
    today = timezone.localdate()
    (health,) = client_health_list(clients=clients_for(request.user).filter(pk=client.pk), today=today)
    privileges = [
        p
        for p in client.privileges.all()
        if p.granted_on <= today and (p.expires_on is None or p.expires_on >= today)
    ]
    return render(
        request,
        "dashboards/client_overview.html",
        {
            "client": client,
            "tab": "overview",
            "health": health,
            "uploads": upload_recent(client=client),
            "privileges": privileges,
        },
    )
