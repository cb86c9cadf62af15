"""Optimistic concurrency for the API: `ETag` from a row's `version`, `If-Match` on writes.

Every flow and library entry carries an integer `version` that each edit bumps in the same
UPDATE (see `Tree.save()` and `LibraryStep.save()`). Responses carry it as a strong entity
tag, `ETag: "<version>"`. A `PUT`, `PATCH` or `DELETE` may send `If-Match`; it is compared
with the version of the row *locked* for the write (`select_for_update`, inside the write's
transaction), so between the check and the write nobody can slip in:

- no `If-Match`: the write goes ahead (existing REST clients keep working);
- `If-Match: *`: the write goes ahead (the resource exists: invisible ones are 404 first);
- one of the listed tags equals the current one: the write goes ahead;
- otherwise, and also when the header cannot be parsed: 412 Precondition Failed, with the
  current `version` in the JSON body and the current `ETag` header, and nothing written.

A weak tag (`W/"3"`) is compared by its opaque part: our tag names the row's version, not
the bytes of one representation, and a compressing proxy may weaken it on the way out.
"""

import re

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.generics import get_object_or_404

# One entity tag: optional weakness prefix, then a quoted opaque string (RFC 9110 §8.8.3).
_ENTITY_TAG = re.compile(r'\s*(?:W/)?"([\x21\x23-\x7e]*)"\s*')
_MAX_IF_MATCH_LENGTH = 1024


def etag_for(version: int) -> str:
    return f'"{version}"'


class PreconditionFailed(APIException):
    """412: the client's copy is stale (or its `If-Match` unreadable); carries the current version."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "This was changed by someone else since you loaded it. Reload it and try again."
    default_code = "precondition_failed"

    def __init__(self, *, version: int, detail: str | None = None):
        super().__init__(detail)
        self.version = version


def if_match_tags(header: str) -> set[str] | None:
    """The opaque tags listed in an If-Match header; {"*"} for the wildcard; None if malformed."""
    if len(header) > _MAX_IF_MATCH_LENGTH:
        return None
    if header.strip() == "*":
        return {"*"}
    tags = set()
    for part in header.split(","):
        match = _ENTITY_TAG.fullmatch(part)
        if match is None:
            return None
        tags.add(match.group(1))
    return tags


def check_if_match(request, *, version: int) -> None:
    """Raises PreconditionFailed unless the request's If-Match (if any) names `version`."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = if_match_tags(header)
    if tags is None:
        raise PreconditionFailed(
            version=version, detail='If-Match must be "*" or a list of entity tags such as "3".'
        )
    if "*" not in tags and str(version) not in tags:
        raise PreconditionFailed(version=version)


class ConditionalWriteMixin:
    """For a ModelViewSet over a model with a `version` column: ETag on every response that
    shows one object, and `get_object_for_write()` (lock, then If-Match) for writes.

    Writes must run inside `transaction.atomic()` so that the lock lasts until the commit.
    """

    def get_object_for_write(self):
        """The object, locked for this transaction, after 404/403 and If-Match checks."""
        # Read the body *before* locking: a slow client must not hold the row lock while
        # its body trickles in. Everything the write decides on is read after the lock.
        self.request.data  # noqa: B018 - parses and caches the body
        assert transaction.get_connection().in_atomic_block, "lock only inside a transaction"
        # The lock is taken here, on whatever queryset get_object would read, so that no
        # view's own filter_queryset can leave it out. `of=("self",)`: only this row, never
        # the nullable sides of the joins.
        queryset = self.filter_queryset(self.get_queryset()).select_for_update(of=("self",))
        lookup = self.lookup_url_kwarg or self.lookup_field
        obj = get_object_or_404(queryset, **{self.lookup_field: self.kwargs[lookup]})
        self.check_object_permissions(self.request, obj)
        check_if_match(self.request, version=obj.version)
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if (
            isinstance(data, dict)
            and isinstance(data.get("version"), int)
            and "id" in data
            and status.is_success(response.status_code)
        ):
            response["ETag"] = etag_for(data["version"])
        return response


IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        'The `ETag` of the version this change is based on (e.g. `"3"`), or `*`. When it is '
        "not the current one the write is refused with 412 and nothing changes. Omit it to "
        "write unconditionally."
    ),
)

PRECONDITION_FAILED_RESPONSE = OpenApiResponse(
    response=inline_serializer(
        "PreconditionFailed",
        fields={"detail": serializers.CharField(), "version": serializers.IntegerField()},
    ),
    description="`If-Match` does not name the current version (or is malformed); nothing was "
    "written. The body and the `ETag` header give the current version.",
)
