"""A JSON parser that turns pathological input into a 400 instead of a 500."""

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from config.text import bad_strings_as_errors


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Python's json module recurses per nesting level; very deep input must not crash us.
            raise ParseError("JSON parse error - nested too deeply") from None
        # Checked once here for every endpoint and every field (keys too): NUL and lone
        # surrogates would otherwise be a 500 on PostgreSQL and an unreadable row on SQLite.
        errors = bad_strings_as_errors(data)
        if errors:
            raise ValidationError(errors)
        return data
