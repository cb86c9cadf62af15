"""Page-number pagination with a client-chosen page size, capped so no request can ask for the whole table."""

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
