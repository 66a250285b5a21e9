"""Invitations: a new client user sets their own password through a one-time link; no password is ever
sent. The link is Django's password-reset token with a salt of its own: it stops working once the password
is set (the password hash is part of it), after a log-in, and after INVITATION_DAYS."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from drawback.accounts.models import User


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "drawback.prospects.invitations"

    def check_token(self, user, token) -> bool:
        # As Django's, with the invitation's own lifetime instead of PASSWORD_RESET_TIMEOUT.
        if not (user and token):
            return False
        try:
            ts_b36, _ = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return (self._num_seconds(self._now()) - ts) <= settings.INVITATION_DAYS * 86400


invitation_tokens = InvitationTokenGenerator()


def invitation_path(user: User) -> str:
    return reverse(
        "prospects:invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invitation_tokens.make_token(user),
        },
    )


def invitation_pending(user: User) -> bool:
    """Invited and has not set a password yet."""
    return user.is_client_user and not user.has_usable_password()
