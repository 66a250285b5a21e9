"""API: the clients a user may see, and a token for scripts."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.throttling import ScopedRateThrottle

from .models import Client, Privilege
from .security import token_expired
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
    """POST: exchange a username and password for the user's API token (send it as `Authorization: Token
    <key>`); a token older than API_TOKEN_DAYS is replaced by a new one. DELETE: revoke your own token (sent
    with it, or from a logged-in session); scripts holding it are refused from then on.

    Failed attempts count towards the same log-in lockout as the log-in page."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        if token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None}, summary="Revoke your API token")
    def delete(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            raise NotAuthenticated
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _revoking(self) -> bool:
        return getattr(getattr(self, "request", None), "method", None) == "DELETE"

    def get_permissions(self):
        return [IsAuthenticated()] if self._revoking() else []

    def get_authenticators(self):
        # DELETE is sent with the token itself (or a session); POST needs no authentication at all.
        return super(ObtainAuthToken, self).get_authenticators() if self._revoking() else []


router = SimpleRouter()
router.register("clients", ClientViewSet, basename="api-client")
