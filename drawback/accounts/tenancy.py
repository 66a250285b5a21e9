"""The tenant boundary. Every page, API endpoint, download and query that touches client data goes
through these helpers, so a client user sees only their own company and firm staff only their firm's
clients. Objects outside the boundary are reported as missing (404), never as forbidden.
"""

from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Client, User


def clients_for(user: User) -> QuerySet[Client]:
    """Clients the user may see. A prospect's workspace is nobody's client until it is converted."""
    if not user.is_authenticated or not user.is_active:
        return Client.objects.none()
    clients = Client.objects.filter(is_workspace=False)
    if user.is_client_user:
        return clients.filter(pk=user.client_id)
    if user.is_superuser and not user.firm_id:
        return clients
    return clients.filter(firm_id=user.firm_id)


def scope(queryset: QuerySet, user: User, client_field: str = "client") -> QuerySet:
    """Restrict any queryset of client-owned rows to the clients the user may see."""
    return queryset.filter(**{f"{client_field}__in": clients_for(user)})


def client_for_code(user: User, code: str) -> Client:
    """The client with this code if the user may see it; 404 otherwise."""
    return get_object_or_404(clients_for(user), code=code)


def get_scoped_or_404(queryset: QuerySet, user: User, client_field: str = "client", **lookup) -> Model:
    return get_object_or_404(scope(queryset, user, client_field), **lookup)


def require_staff(user: User) -> None:
    """Firm-only pages and actions answer 404 to client users, like any object they may not see."""
    if not user.is_authenticated or user.is_client_user:
        raise Http404


def can_write(user: User) -> bool:
    """Client users read; only firm staff change data (documents are the exception, see documents)."""
    return user.is_authenticated and user.is_firm_staff
