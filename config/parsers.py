"""A JSON parser that turns pathological input into a 400 instead of a 500."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Python's json module recurses per nesting level; very deep input must not crash us.
            raise ParseError("JSON parse error - nested too deeply") from None
