"""Reads for imports: uploads and column mappings, always through the tenant boundary."""

from django.db.models import Q, QuerySet
from django.http import Http404

from drawback.accounts.models import Client, User
from drawback.accounts.tenancy import clients_for

from .models import ColumnMapping, Upload


def upload_list_for(*, user: User, client: Client | None = None, tariff: bool = False) -> QuerySet[Upload]:
    """Uploads the user may see: their clients' uploads; the shared HTS tariff uploads for firm staff only.
    `client` narrows to one client, `tariff` to the tariff uploads."""
    qs = Upload.objects.select_related("client", "uploaded_by", "mapping").order_by("-created_at", "-pk")
    if not user.is_authenticated:
        return qs.none()
    visible = Q(client__in=clients_for(user))
    if user.is_firm_staff:
        visible |= Q(client__isnull=True)
    qs = qs.filter(visible)
    if client is not None:
        qs = qs.filter(client=client)
    if tariff:
        qs = qs.filter(client__isnull=True, kind=Upload.Kind.HTS)
    return qs


def upload_get_for(*, user: User, pk: int, client: Client | None = None, tariff: bool = False) -> Upload:
    """One upload the user may see, else 404 (never 403: other clients' uploads do not exist for them)."""
    upload = upload_list_for(user=user, client=client, tariff=tariff).filter(pk=pk).first()
    if upload is None:
        raise Http404
    return upload


def mapping_list_for(*, client: Client, kind: str | None = None) -> QuerySet[ColumnMapping]:
    qs = ColumnMapping.objects.filter(client=client).order_by("kind", "name")
    return qs.filter(kind=kind) if kind else qs
