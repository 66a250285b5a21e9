"""The firm's home (its portfolio of clients) and a client's dashboard, with the client's projections, the
dashboard as PDF and Excel, the firm-wide money at risk, the digest preferences of the client's contacts
and the opt-out link of the digest e-mails. Views read through dashboards.figures; the few writes (digest
preferences, an estimate asked for now) go through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from claims.cape.projection import cape_projection
from claims.projection import selectors as projections
from claims.projection.tasks import client_estimate_refresh
from drawback.accounts import digests
from drawback.accounts.tenancy import client_for_code, clients_for, require_staff
from imports.selectors import upload_recent

from . import figures, report
from .selectors import client_health_list

ITEMS_ON_DASHBOARD = 15


@login_required
def home(request):
    if request.user.is_client_user:
        # A client user has exactly one client: their company's dashboard is their home.
        return redirect("client_overview", request.user.client.code)
    today = timezone.localdate()
    clients = clients_for(request.user)
    track = projections.track_record(clients=clients, today=today)
    return render(
        request,
        "dashboards/home.html",
        {
            "rows": client_health_list(clients=clients, today=today),
            "portfolio": figures.portfolio(clients=clients, today=today),
            "queues": figures.work_queues(user=request.user, today=today),
            "track": track,
            "track_chart": figures.forecast_chart(track, chart_id="firm-forecast-chart"),
            "today": today,
        },
    )


def _board(request, code: str):
    client = client_for_code(request.user, code)
    return client, figures.client_dashboard(client=client)


@login_required
def client_overview(request, code: str):
    client, board = _board(request, code)
    health = None
    if request.user.is_firm_staff:
        # The data's health (counts over every line) is the firm's working view, below the dashboard.
        (health,) = client_health_list(
            clients=clients_for(request.user).filter(pk=client.pk), today=board.today
        )
    return render(
        request,
        "dashboards/client_overview.html",
        {
            "client": client,
            "tab": "overview",
            "board": board,
            "items": board.projection.items[:ITEMS_ON_DASHBOARD],
            "more_items": len(board.projection.items) > ITEMS_ON_DASHBOARD,
            "health": health,
            "uploads": upload_recent(client=client),
        },
    )


@login_required
def client_projections(request, code: str):
    """Every projected payment with its basis, how the method works, and the snapshots kept."""
    client = client_for_code(request.user, code)
    projection = projections.client_current(client=client)
    page = Paginator(projection.items, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboards/projections.html",
        {
            "client": client,
            "tab": "overview",
            "projection": projection,
            "page": page,
            "snapshots": projections.snapshot_list(client=client)[:24],
            "estimate": projections.client_estimate(client=client),
            "cape": cape_projection(client=client),
        },
    )


@login_required
def dashboard_pdf(request, code: str):
    client, board = _board(request, code)
    response = HttpResponse(report.dashboard_pdf(board), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.file_name(board, "pdf")}"'
    return response


@login_required
def dashboard_xlsx(request, code: str):
    client, board = _board(request, code)
    response = HttpResponse(report.dashboard_xlsx(board), content_type=report.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{report.file_name(board, "xlsx")}"'
    return response


@login_required
@require_POST
def estimate_refresh(request, code: str):
    """Queue the optimizer's figures of the client now instead of waiting for the night."""
    require_staff(request.user)
    client = client_for_code(request.user, code)
    client_estimate_refresh.delay(client.pk)
    messages.info(request, "The optimizer's figures are being computed; they show here when done.")
    return redirect("dashboards:projections", code=client.code)


@login_required
def firm_money_at_risk(request):
    """Every client's money at risk (lines near their 5-year limit and what they could bring): each
    client's report kept for its current data, else the optimizer's latest nightly figures."""
    require_staff(request.user)
    rows = figures.firm_money_at_risk(clients=clients_for(request.user), today=timezone.localdate())
    return render(request, "dashboards/money_at_risk.html", {"rows": rows})


@login_required
def contacts(request, code: str):
    """How often each of the client's contacts receives the dashboard digest (firm staff)."""
    require_staff(request.user)
    client = client_for_code(request.user, code)
    if request.method == "POST":
        try:
            digests.digest_frequency_set(
                client=client,
                email=request.POST.get("email", ""),
                frequency=request.POST.get("frequency", ""),
                by=request.user,
            )
        except digests.DigestError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Digest preference saved.")
        return redirect("dashboards:contacts", code=client.code)
    return render(
        request,
        "dashboards/contacts.html",
        {
            "client": client,
            "tab": "overview",
            "rows": digests.digest_subscriptions(client=client),
            "frequencies": digests.FREQUENCIES,
        },
    )


@csrf_exempt  # the signed token is the credential; mail programs post here with no session (RFC 8058)
def digest_opt_out(request, token: str):
    """Stop the dashboard digest for one address, without logging in: the link in each digest carries a
    signed token. GET asks for confirmation (mail scanners open links); POST stops the e-mails."""
    found = digests.opt_out_read(token)
    if found is None:
        raise Http404
    client, email = found
    done = False
    if request.method == "POST":
        digests.digest_opt_out(client=client, email=email)
        done = True
    return render(
        request, "dashboards/opt_out.html", {"legal_name": client.legal_name, "email": email, "done": done}
    )
