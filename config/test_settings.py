"""Settings for the test suite: the real settings, with a test key and a fast password hasher."""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-suite-key-" + "x" * 48)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# Threads in race tests and the live server open their own connections; closing each at the
# end of its request keeps the test database free to drop.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests must not depend on collectstatic having run.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
