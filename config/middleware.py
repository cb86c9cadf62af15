"""Cross-cutting middleware: the load balancer's health check and one log line per request."""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from django.db import DatabaseError, connection
from django.http import JsonResponse

from config.cache import cache_is_up

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
request_logger = logging.getLogger("flows.request")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every log record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class HealthCheckMiddleware:
    """Answers `GET /healthz` before host checks, HTTPS redirects and sessions, which a load
    balancer probing an internal address would trip over. 200 when the database answers;
    an unreachable cache is reported (`"cache": "down"`) but still 200: the app serves
    without it (throttles fail open), so taking the worker out of rotation would not help."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != "/healthz":
            return self.get_response(request)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        return JsonResponse({"status": "ok", "database": "ok", "cache": "ok" if cache_is_up() else "down"})


class RequestLogMiddleware:
    """One line per request: id, user, method, path (never the query string), status, duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            user = getattr(request, "user", None)
            request_logger.info(
                "request method=%s path=%s status=%s duration_ms=%.1f user=%s",
                request.method,
                request.path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
                user.pk if user is not None and user.is_authenticated else "-",
            )
            return response
        finally:
            request_id_var.reset(token)
