"""Token authentication for REST clients: django-rest-knox's hashed, expiring tokens,
sent as `Authorization: Token <key>` like before."""

import re

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

# Keys are hex; anything else (non-UTF-8 bytes, NUL, spaces) cannot be a token and must be
# refused before it reaches the database, where PostgreSQL would raise on NUL.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,200}")


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        try:
            text = token.decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        if not _TOKEN_SHAPE.fullmatch(text):
            raise AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)


class TokenScheme(KnoxTokenScheme):
    """Documents the scheme in the OpenAPI schema (the knox extension matches knox's class only)."""

    target_class = "accounts.api.authentication.TokenAuthentication"
    name = "tokenAuth"
