"""The library list's pages: the standard capped-count page, saying when it shows close matches."""

from config.pagination import StandardPagination
from steplibrary.search import close_matches_for


class LibraryPagination(StandardPagination):
    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["close_matches_for"] = close_matches_for(
            self.page.object_list, self.request.query_params.get("search")
        )
        return response

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["close_matches_for"] = {
            "type": "string",
            "nullable": True,
            "description": "the search, when the full-text search found too few entries and the "
            "results include close matches (typo tolerance); null otherwise",
        }
        response["required"] = [*response["required"], "close_matches_for"]
        return response
