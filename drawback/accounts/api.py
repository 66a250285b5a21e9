"""API: the clients a user may see, and a token for scripts."""

from rest_framework import serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import SimpleRouter

from .models import Client, Privilege
from .tenancy import clients_for


class PrivilegeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Privilege
        fields = ["kind", "status", "reference", "granted_on", "expires_on"]


class ClientSerializer(serializers.ModelSerializer):
    privileges = PrivilegeSerializer(many=True, read_only=True)

    class Meta:
        model = Client
        fields = ["code", "legal_name", "importer_number", "exporter_number", "is_active", "privileges"]


class ClientViewSet(viewsets.ReadOnlyModelViewSet):
    """The clients the user may see: a firm's clients for its staff, one's own company for a client user."""

    queryset = Client.objects.none()
    serializer_class = ClientSerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Client.objects.none()
        return clients_for(self.request.user).prefetch_related("privileges").order_by("legal_name", "id")


class TokenObtainApi(ObtainAuthToken):
    """Exchange a username and password for the user's API token (send it as `Authorization: Token <key>`).

    Failed attempts count towards the same log-in lockout as the log-in page."""


router = SimpleRouter()
router.register("clients", ClientViewSet, basename="api-client")
