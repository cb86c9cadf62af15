"""Serializer fields that take JSON types as the schema documents them.

DRF's CharField takes 7 for "7", IntegerField takes "7" for 7 and BooleanField takes
"yes" for true: a client that sends the wrong type gets a quiet coercion, and the
OpenAPI schema would not say what the API accepts. Request bodies here are JSON, so the
JSON type is the contract. (Query parameters arrive as text and keep DRF's fields.)
"""

from django.db import models
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictTypesMixin:
    """For ModelSerializers: the fields built from model fields take their JSON type only."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.IntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.BooleanField: StrictBooleanField,
    }
