"""Log-in and API-token protections beyond django-axes.

- Password spraying: axes locks a username tried too often from one address, but one common password tried
  once against each of many usernames locks nothing. `SprayGuardBackend` (Django's ModelBackend, with a
  count per password) refuses a password after LOGIN_SAME_PASSWORD_LIMIT failed log-ins with it, whatever
  the usernames, for AXES_COOLOFF_MINUTES. The count is kept in the shared cache under a keyed hash of the
  password (never the password itself).
- API tokens: DRF's tokens never expire. `ExpiringTokenAuthentication` refuses a token older than
  API_TOKEN_DAYS; POST /api/v1/auth/token/ then issues a new one, DELETE revokes the caller's token.
"""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def _spray_key(password: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), password.encode(), hashlib.sha256).hexdigest()
    return f"login-password-failures:{digest[:32]}"


class SprayGuardBackend(ModelBackend):
    """ModelBackend that refuses a password which has failed too often across usernames."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not password:
            return super().authenticate(request, username=username, password=password, **kwargs)
        key = _spray_key(password)
        if cache.get(key, 0) >= settings.LOGIN_SAME_PASSWORD_LIMIT:
            raise PermissionDenied("this password has failed too often; try again later")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            timeout = settings.AXES_COOLOFF_MINUTES * 60
            if not cache.add(key, 1, timeout=timeout):
                try:
                    cache.incr(key)
                except ValueError:  # expired between the two calls
                    cache.add(key, 1, timeout=timeout)
        return user


def token_expired(token) -> bool:
    return token.created < timezone.now() - dt.timedelta(days=settings.API_TOKEN_DAYS)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed("The API token has expired; get a new one from /api/v1/auth/token/.")
        return user, token
