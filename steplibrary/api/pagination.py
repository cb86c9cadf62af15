"""The library list's pages, read without an exact count.

Two ways to page, both ordered the same way and both answering `count`, `count_capped`,
`next`, `previous`, `results` and `close_matches_for`:

- `page` (the default, and the library page's way): page numbers. The page is read with one
  row more than it shows, which says whether there is a next page; the capped count runs only
  when that row exists (on the last page the count is known without it).
- `cursor` (`?cursor=` to start, then the `next` / `previous` links): keyset pages, which
  cost the same at page 1 and page 1,000 and never repeat or skip a row when entries are
  written meanwhile. No count unless asked for with `count=true` (then the capped count);
  otherwise `count` is null, except on a first page that shows every match.
"""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from config import keyset
from config.pagination import COUNT_CAP, StandardPagination
from steplibrary.library_list import LibraryList
from steplibrary.search import close_matches_for

INVALID_CURSOR = "Invalid cursor: use the next or previous link of this list."


class LibraryPagination(StandardPagination):
    """Pages a `LibraryList` (the view hands it over in place of a queryset)."""

    cursor_query_param = "cursor"
    count_query_param = "count"

    def paginate_queryset(self, queryset: LibraryList, request, view=None):
        self.request = request
        params = request.query_params
        if self.cursor_query_param in params and self.page_query_param in params:
            raise ValidationError({"cursor": ["Use either page or cursor, not both."]})
        wants_count = params.get(self.count_query_param)
        if wants_count not in (None, "true", "false"):
            raise ValidationError({"count": ["Must be true or false."]})
        self.wants_count = wants_count == "true"
        self.check_query(request)
        self.size = self.get_page_size(request)
        self.library = queryset
        if self.cursor_query_param in params:
            return self._cursor_page(params[self.cursor_query_param])
        return self._numbered_page(params.get(self.page_query_param))

    def _numbered_page(self, page):
        self.cursor_mode = False
        if page in self.last_page_strings:
            number = max(1, -(-self.library.capped_count()[0] // self.size))
        else:
            number = int(page or 1)
        offset = (number - 1) * self.size
        if offset >= COUNT_CAP and number > 1:
            raise NotFound("Invalid page.")
        rows = self.library.page(after=None, backwards=False, offset=offset, limit=self.size + 1)
        if not rows and number > 1:
            raise NotFound("Invalid page.")
        self.number = number
        self.has_next = len(rows) > self.size and offset + self.size < COUNT_CAP
        self.rows = rows[: self.size]
        if len(rows) <= self.size:
            self.count, self.count_capped = offset + len(rows), False
        else:
            self.count, self.count_capped = self.library.capped_count()
        return self.rows

    def _cursor_page(self, cursor):
        self.cursor_mode = True
        try:
            self.keys = self.library.ordering_keys()
            values, backwards = keyset.decode(cursor, keys=self.keys) if cursor else (None, False)
            after = self.library.checked_cursor(self.keys, values) if values is not None else None
            rows = self.library.page(after=after, backwards=backwards, offset=0, limit=self.size + 1)
        except keyset.CursorError:
            raise ValidationError({"cursor": [INVALID_CURSOR]}) from None
        more = len(rows) > self.size
        rows = rows[: self.size]
        if backwards:
            rows.reverse()
        self.rows = rows
        # Going forward, a next page exists when the extra row came back; going back, the
        # page we came from is always next, and a previous one exists when the extra row came.
        self.next_values = keyset.row_values(rows[-1], self.keys) if rows and (more or backwards) else None
        self.previous_values = (
            keyset.row_values(rows[0], self.keys)
            if rows and values is not None and (more or not backwards)
            else None
        )
        if self.wants_count:
            self.count, self.count_capped = self.library.capped_count()
        elif values is None and not more:
            self.count, self.count_capped = len(rows), False
        else:
            self.count, self.count_capped = None, False
        return rows

    def _cursor_link(self, url: str, values: list | None, *, backwards: bool) -> str | None:
        if values is None:
            return None
        token = keyset.encode(values, backwards=backwards, keys=self.keys)
        return replace_query_param(url, self.cursor_query_param, token)

    def get_next_link(self):
        url = self.request.build_absolute_uri()
        if self.cursor_mode:
            return self._cursor_link(url, self.next_values, backwards=False)
        if not self.has_next:
            return None
        return replace_query_param(url, self.page_query_param, self.number + 1)

    def get_previous_link(self):
        url = self.request.build_absolute_uri()
        if self.cursor_mode:
            return self._cursor_link(url, self.previous_values, backwards=True)
        if self.number == 1:
            return None
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_capped": self.count_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
                "close_matches_for": close_matches_for(self.rows, self.request.query_params.get("search")),
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"] = {
            "type": "integer",
            "nullable": True,
            "description": f"matches, at most {COUNT_CAP} (see count_capped); with `cursor`, null "
            "unless `count=true` or the first page shows every match",
        }
        response["properties"]["close_matches_for"] = {
            "type": "string",
            "nullable": True,
            "description": "the search, when the full-text search found too few entries and the "
            "results include close matches (typo tolerance); null otherwise",
        }
        response["required"] = [*response["required"], "close_matches_for"]
        return response

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        return [
            *parameters,
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Keyset pages: empty for the first page, then the value in the "
                "`next` / `previous` links. Not with `page`.",
                "schema": {"type": "string", "maxLength": keyset.MAX_CURSOR_LENGTH},
            },
            {
                "name": self.count_query_param,
                "required": False,
                "in": "query",
                "description": f"With `cursor`: also count the matches (at most {COUNT_CAP}).",
                "schema": {"type": "boolean"},
            },
        ]
