"""Token sign-in for REST clients: POST username and password, get a token."""

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import JSONParser

from config.parsers import SafeJSONParser
from config.throttling import TokenRateThrottle


class ObtainTokenView(ObtainAuthToken):
    """DRF's token view, throttled per client address and speaking JSON."""

    throttle_classes = [TokenRateThrottle]
    throttle_scope = "token"
    parser_classes = [SafeJSONParser, *[p for p in ObtainAuthToken.parser_classes if p is not JSONParser]]
