"""Settings for the Flows & Step Library monolith; every value comes from the environment.

See `.env.example` for the variables and their defaults.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY is too weak for DEBUG off: use 50+ random characters.")

_LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", _LOCAL_HOSTS + ["testserver"])
if DEBUG and any(host not in _LOCAL_HOSTS + ["testserver"] for host in ALLOWED_HOSTS):
    # DEBUG pages leak settings and source: never serve them to a non-local host.
    raise ImproperlyConfigured("DEBUG must be off when ALLOWED_HOSTS names a non-local host.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "flows",
    "steplibrary",
    "runs",
]

MIDDLEWARE = [
    "config.middleware.HealthCheckMiddleware",
    "config.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout noticed during the view into the response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "steplibrary.context_processors.unread_updates",
            ],
        },
    },
]

# Production keeps each worker's connection for a minute instead of paying the connection
# setup (~26 ms on PostgreSQL) on every request; the health check at the start of a request
# replaces a connection the server closed meanwhile. The development server starts a thread
# per request, so it would leave a connection behind per thread: it keeps none.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] not in (
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
):
    raise ImproperlyConfigured("DATABASE_URL must be sqlite:// or postgres://")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer at a time. A deferred transaction that reads, then writes, fails
    # at once with "database is locked" when another writer got there first; IMMEDIATE takes
    # the write lock at BEGIN and waits up to `timeout` seconds for it instead. WAL lets
    # readers go on while one transaction writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_TIMEOUT", 20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests get a file, not memory: threads in concurrency tests each open a connection,
    # and only a file is one database for all of them.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The library's typo tolerance (steplibrary/search.py) compares with pg_trgm's `<%`
    # operator, which the trigram index serves; its default threshold (0.6) misses common
    # one-letter typos of short words ("restrat"), 0.5 catches them. Sent with the connection
    # startup packet: no extra round trip.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c pg_trgm.word_similarity_threshold=0.5".strip()

# A shared cache (Redis) when CACHE_URL is set, so every worker and host agrees on
# throttling counters; otherwise one process's local memory (development, tests).
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("CACHE_URL must be a redis:// (or rediss://, unix://) URL.")
    # Short socket timeouts: a cache that hangs must not hold requests (throttles fail open).
    _CACHE_TIMEOUT = env_int("CACHE_TIMEOUT_SECONDS", 2)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": _CACHE_TIMEOUT, "socket_timeout": _CACHE_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the database: any worker can serve any request.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "library"
LOGOUT_REDIRECT_URL = "login"

# django-axes first: it refuses a locked-out sign-in before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Sign-in brute force (form, admin and token sign-in): after LOGIN_FAILURE_LIMIT wrong
# passwords for one username from one client address, that pair is refused for
# LOGIN_LOCKOUT_MINUTES, even with the right password. Counts are kept in the database.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
if AXES_FAILURE_LIMIT < 1 or _LOCKOUT_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be positive.")
AXES_COOLOFF_TIME = timedelta(minutes=_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The same client address as the API throttles: REMOTE_ADDR, or X-Forwarded-For read
# through exactly NUM_PROXIES trusted proxies.
AXES_CLIENT_IP_CALLABLE = "config.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password", "token"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security headers and cookies: strict unless DEBUG; TLS termination may sit in a proxy.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy on every response (django-csp): scripts, styles, images and fonts
# only from this site, no inline script or style, no plugins, no framing. The pages load
# ES modules from static/js and take data through json_script; the admin and the Swagger
# UI (drf-spectacular-sidecar, served locally; its init script is a separate file) work
# under it; `data:` images are Swagger UI's and the admin's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call then gets 401 with a WWW-Authenticate header.
        "accounts.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["config.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.StandardPagination",
    # JSON only in production; DRF's browsable HTML pages only in development.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "DEFAULT_PARSER_CLASSES": ["config.parsers.SafeJSONParser"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("THROTTLE_TOKEN_RATE", "20/min"),
        "writes": env_str("THROTTLE_WRITE_RATE", "600/min"),
    },
    # How many proxies in front of the app append to X-Forwarded-For. 0 (the default) ignores
    # the header, which any client can forge, and keys anonymous throttles on REMOTE_ADDR.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

if REST_FRAMEWORK["NUM_PROXIES"] < 0:
    raise ImproperlyConfigured("NUM_PROXIES must be 0 or more.")

# API tokens (django-rest-knox): stored hashed, valid for API_TOKEN_TTL_HOURS after sign-in.
_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 10)
if _TOKEN_TTL_HOURS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_HOURS must be positive.")
REST_KNOX = {"TOKEN_TTL": timedelta(hours=_TOKEN_TTL_HOURS), "AUTH_HEADER_PREFIX": "Token"}

SPECTACULAR_SETTINGS = {
    "TITLE": "Flows & Step Library API",
    "DESCRIPTION": (
        "Flows, their published steps in the step library, forks, ratings and usage. "
        "Request bodies are JSON; every string and key in them must be valid Unicode "
        "without NUL characters or lone surrogates (400 otherwise)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs are for signed-in users (session or token), like the API.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Models sharing a field name with different choices (`status`, `kind`): name their enums
    # instead of hashing them.
    "ENUM_NAME_OVERRIDES": {
        "TreeStatusEnum": "flows.models.TreeStatus",
        "SessionStatusEnum": "runs.models.SessionStatus",
        "SessionFinishStatusEnum": "runs.models.FINISHED_STATUS_CHOICES",
        "MergeStatusEnum": "steplibrary.merge.STATUS_CHOICES",
        "TreeRevisionKindEnum": "flows.models.RevisionKind",
    },
}

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
# One line per event on stdout, each with the request id it belongs to.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.middleware.RequestIdFilter"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s"}
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    # Django's own per-request warnings repeat what the request line already says.
    # django-axes: lockouts and repeated failures are warnings; its per-attempt chatter is not.
    "loggers": {"django.request": {"level": "ERROR"}, "axes": {"level": "WARNING"}},
}
