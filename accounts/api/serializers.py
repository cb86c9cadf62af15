"""Request and response bodies of the token endpoints."""

from django.contrib.auth import authenticate
from rest_framework import serializers


class TokenSignInSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs):
        request = self.context["request"]
        # The plain Django request: django-axes counts failures on it and can lock the
        # username out from this address, as on the sign-in form.
        user = authenticate(
            request=getattr(request, "_request", request),
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                "Unable to log in with provided credentials.", code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`; shown only once.")
    expiry = serializers.DateTimeField(allow_null=True, help_text="When the token stops working.")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
