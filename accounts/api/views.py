"""Token sign-in for REST clients: POST username and password, get a token; sign out."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.authentication import TokenAuthentication
from accounts.api.serializers import TokenSerializer, TokenSignInSerializer
from accounts.services import token_create, token_revoke, user_tokens_revoke
from config.parsers import SafeJSONParser
from config.throttling import TokenRateThrottle


class ObtainTokenView(GenericAPIView):
    """Issues a new token for a username and password, throttled per client address."""

    authentication_classes = []  # the credentials are in the body
    permission_classes = [AllowAny]
    throttle_classes = [TokenRateThrottle]
    throttle_scope = "token"
    serializer_class = TokenSignInSerializer
    parser_classes = [SafeJSONParser, FormParser, MultiPartParser]

    @extend_schema(request=TokenSignInSerializer, responses={200: TokenSerializer}, auth=[])
    def post(self, request):
        credentials = self.get_serializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        token, key = token_create(user=credentials.validated_data["user"])
        return Response(TokenSerializer({"token": key, "expiry": token.expiry}).data)


class LogoutView(APIView):
    """Revokes the token this request was signed with."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revokes every token of the signed-in user (a browser session may ask too)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        user_tokens_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
