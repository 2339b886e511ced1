"""Settings for coproduce, read from the environment.

Every value has a default that works on a laptop: SQLite in ./data, DEBUG on, a secret key and
a participant key generated once into ./data. Production sets DJANGO_DEBUG=false,
DJANGO_SECRET_KEY, COPRODUCE_PARTICIPANT_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL.
"""

import base64
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("COPRODUCE_DATA_DIR", BASE_DIR / "data"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def development_key(name: str, make: Callable[[], str]) -> str:
    """A key generated once per checkout and kept out of git (data/ is ignored)."""
    path = DATA_DIR / name
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def fernet_key() -> str:
    """32 random bytes in URL-safe base64: the form of key Fernet takes."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false")
    SECRET_KEY = development_key("secret_key", lambda: secrets.token_urlsafe(50))
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "django_tasks_db",
    "coproduce.core",
    "coproduce.audit",
    "coproduce.accounts",
    "coproduce.catalogue",
    "coproduce.projects",
    "coproduce.planning",
    "coproduce.costs",
    "coproduce.risks",
    "coproduce.governance",
    "coproduce.integrity",
    "coproduce.participants",
]

# Long work (big forecasts) runs in the background: tasks are rows in the database, run by
# `coproduce db_worker`, which `make demo` starts beside the site.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

MIDDLEWARE = [
    # First, so that an oversized request is refused before anything reads its body.
    "coproduce.core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
                "coproduce.core.context_processors.permissions",
            ],
        },
    },
]
FORM_RENDERER = "coproduce.core.forms.PlainFormRenderer"

SQLITE_PATH = DATA_DIR / "coproduce.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and a writer work at once; IMMEDIATE avoids "database is locked"
        # surprises when a read transaction later tries to write.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Mail, for invitations. In development messages are printed to the console (or written to
# data/mail/ with "file"); production sets COPRODUCE_MAIL_BACKEND=smtp and COPRODUCE_SMTP_*.
MAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}


def mailer_from_environment(debug: bool) -> dict[str, object]:
    """The default mailer: COPRODUCE_MAIL_BACKEND (console in debug, else smtp) and, for
    smtp, the COPRODUCE_SMTP_* values."""
    backend = os.environ.get("COPRODUCE_MAIL_BACKEND") or ("console" if debug else "smtp")
    if backend not in MAIL_BACKENDS:
        raise ImproperlyConfigured(
            f"COPRODUCE_MAIL_BACKEND must be one of {', '.join(MAIL_BACKENDS)}, not {backend!r}"
        )
    options: dict[str, object] = {}
    if backend == "file":
        options = {"file_path": str(DATA_DIR / "mail")}
    elif backend == "smtp":
        port = os.environ.get("COPRODUCE_SMTP_PORT") or "587"
        if not port.isdigit():
            raise ImproperlyConfigured(f"COPRODUCE_SMTP_PORT must be a port number, not {port!r}")
        options = {
            "host": os.environ.get("COPRODUCE_SMTP_HOST", "localhost"),
            "port": int(port),
            "username": os.environ.get("COPRODUCE_SMTP_USER", ""),
            "password": os.environ.get("COPRODUCE_SMTP_PASSWORD", ""),
            "use_tls": env_bool("COPRODUCE_SMTP_TLS", True),
            "timeout": 10,
        }
    return {"BACKEND": MAIL_BACKENDS[backend], "OPTIONS": options}


MAILERS = {"default": mailer_from_environment(DEBUG)}
DEFAULT_FROM_EMAIL = os.environ.get("COPRODUCE_MAIL_FROM", "coproduce <coproduce@localhost>")
# The address people reach the site at, for the links in the mail it sends.
COPRODUCE_SITE_URL = os.environ.get("COPRODUCE_SITE_URL", "http://127.0.0.1:8000")
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "projects:list"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("COPRODUCE_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))

# Uploaded outputs. Never served as static files: each download goes through a view that
# checks the embargo and the reader's role.
MEDIA_ROOT = Path(os.environ.get("COPRODUCE_MEDIA_ROOT", DATA_DIR / "files"))
MAX_OUTPUT_BYTES = 50 * 1024 * 1024
# The largest cost or time file an import takes (coproduce.costs.transfer).
COPRODUCE_MAX_IMPORT_BYTES = 50 * 1024 * 1024
# The largest request body: the larger file limit, and 1 MB for the rest of its form. A larger
# request is refused with 413 before anything reads it (RequestSizeLimitMiddleware).
COPRODUCE_MAX_REQUEST_BYTES = max(MAX_OUTPUT_BYTES, COPRODUCE_MAX_IMPORT_BYTES) + 1024 * 1024
# Django's own limits, stated so they are reviewed with the ones above: form fields other than
# files may hold 2.5 MB in all; an uploaded file over 2.5 MB streams to a temporary file rather
# than memory; no form here takes more than one file, so ten are plenty.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1_000
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# The key that encrypts participants' identifying details (a Fernet key: 32 random bytes,
# URL-safe base64; `coproduce participants new-key` makes one). In development one is
# generated into data/ like the secret key; in production it must be set, and without it the
# identifying views refuse to open and nothing identifying can be stored.
PARTICIPANT_KEY = os.environ.get("COPRODUCE_PARTICIPANT_KEY", "")
if not PARTICIPANT_KEY and DEBUG:
    PARTICIPANT_KEY = development_key("participant_key", fernet_key)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("COPRODUCE_LOG_LEVEL", "INFO")},
}
