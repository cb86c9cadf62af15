"""Gunicorn settings for `make serve`; every value can be overridden from the environment."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Requests are logged by the app itself (one line each, with a request id); gunicorn keeps
# its own log for worker lifecycle and errors, on stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Recycle workers now and then so that no slow leak can grow without bound.
max_requests = 5000
max_requests_jitter = 500
# Behind a proxy that terminates TLS, trust its X-Forwarded-* headers (see TRUST_X_FORWARDED_PROTO).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
