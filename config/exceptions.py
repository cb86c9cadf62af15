"""API error responses: always JSON, with the offending field named."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler

from config.concurrency import PreconditionFailed, etag_for


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        # Model-level validation that escaped a serializer is still the client's error.
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail)
    response = exception_handler(exc, context)
    if isinstance(exc, PreconditionFailed) and response is not None:
        # The client needs the current version to offer "reload theirs" or to retry.
        response.data = {"detail": str(exc.detail), "version": exc.version}
        response["ETag"] = etag_for(exc.version)
    return response
