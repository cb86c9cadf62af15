"""The OpenAPI schema documents every error status an operation can answer.

Views declare their success bodies with `extend_schema`; the error statuses follow from
how the view is built (permissions, throttles, parameters, body, path), so one rule here
keeps every operation honest, including endpoints added later.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated

from config.fields import StrictCharField
from config.throttling import WriteRateThrottle

_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_OBJECT_WRITES = {"PUT", "PATCH", "DELETE"}


class ErrorSerializer(serializers.Serializer):
    """Every error that is not about fields: `{"detail": "..."}`."""

    detail = serializers.CharField()


def error_responses(*statuses: int) -> dict:
    """`{status: …}` for an operation's `extend_schema(responses=…)`: errors whose body is
    `{"detail": …}`, described by the status's general wording."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[str(status)])
        for status in statuses
    }


_VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "What was wrong, by field (a list of messages, or nested objects for nested fields), "
        "or `detail` / `non_field_errors`."
    ),
    "additionalProperties": {},
}

_DESCRIPTIONS = {
    "400": "Invalid input: a field, a query parameter or the JSON body.",
    "401": "Not signed in: no session and no valid token.",
    "403": "Signed in but not allowed (e.g. a synced entry, someone else's entry, a missing CSRF token).",
    "404": "No such object, or not visible to you (or a page past the end).",
    "409": "Conflicts with the object's current state.",
    "412": "The If-Match header does not match the object's current ETag.",
    "429": "Too many requests (throttled or signed-in locked out); retry later.",
}


# "Holds a character Python's str.strip() keeps": DRF trims a CharField before its blank
# check, so a required text of spaces alone is refused. ECMA's \s is not Python's notion
# of whitespace, hence the explicit class.
_PYTHON_WHITESPACE = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK_PATTERN = f"[^{_PYTHON_WHITESPACE}]"


class AutoSchema(SpectacularAutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and type(field) in (serializers.CharField, StrictCharField)
            and field.trim_whitespace
            and not field.allow_blank
            and schema.get("type") == "string"
            and "pattern" not in schema
        ):
            schema["pattern"] = NOT_BLANK_PATTERN
        return schema

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error_ref = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = operation.setdefault("responses", {})
        for status in self._error_statuses(operation):
            if status not in responses:
                responses[status] = {"description": _DESCRIPTIONS[status]}
        # Every error has a JSON body: an error a view declares by its description alone
        # gets the body errors have, so no response in the schema is untyped.
        for status, response in responses.items():
            if status.startswith("4") and "content" not in response:
                schema = _VALIDATION_ERROR if status == "400" else error_ref
                described = response.get("description") not in (None, "", "No response body")
                description = response["description"] if described else _DESCRIPTIONS.get(status, "")
                response.clear()
                response.update(content={"application/json": {"schema": schema}}, description=description)
        return operation

    def _error_statuses(self, operation: dict) -> list[str]:
        method = self.method.upper()
        has_query = any(parameter.get("in") == "query" for parameter in operation.get("parameters", []))
        has_path = any(parameter.get("in") == "path" for parameter in operation.get("parameters", []))
        signed_in = any(isinstance(permission, IsAuthenticated) for permission in self.view.get_permissions())
        throttles = self.view.get_throttles()
        statuses = []
        # A body can be malformed JSON even where none is expected; actions refuse input too.
        if "requestBody" in operation or has_query or method in {"POST", "PUT", "PATCH"}:
            statuses.append("400")
        if signed_in:
            statuses.append("401")
            if method in _UNSAFE or len(self.view.get_permissions()) > 1:
                statuses.append("403")
        if has_path or self._is_paginated(operation):
            statuses.append("404")
        if has_path and method in _UNSAFE:
            statuses.append("409")
        if has_path and method in _OBJECT_WRITES:
            statuses.append("412")
        if any(not isinstance(throttle, WriteRateThrottle) or method in _UNSAFE for throttle in throttles):
            statuses.append("429")
        return statuses

    def _is_paginated(self, operation: dict) -> bool:
        return any(parameter.get("name") == "page" for parameter in operation.get("parameters", []))
