"""Writes for accounts: API tokens are issued, revoked one by one, or all at once."""

from knox.models import AuthToken

from accounts.models import User


def token_create(*, user: User) -> tuple[AuthToken, str]:
    """Issues a token; only its hash is stored, so the key is returned once, here."""
    return AuthToken.objects.create(user=user)


def token_revoke(*, token: AuthToken) -> None:
    token.delete()


def user_tokens_revoke(*, user: User) -> int:
    """Revokes every API token of the user (sign out everywhere, or a new password)."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted
