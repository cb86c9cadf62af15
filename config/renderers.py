"""A JSON renderer through orjson: several times faster than DRF's `json.dumps` on a page of
100 library entries. Anything orjson refuses (lone surrogates read back from an old SQLite
row, integers beyond 64 bits) and indented output go through DRF's renderer instead, so the
answer is the same text either way."""

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


class OrjsonRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            return orjson.dumps(data, default=JSONEncoder().default, option=_OPTIONS)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return super().render(data, accepted_media_type, renderer_context)
