"""Settings of a trm node. Every variable is documented in docs/configuration.md."""
from __future__ import annotations

from pathlib import Path

from trm.lib.env import SQLITE_OPTIONS, database_from_url, env, env_bool, env_int, secret_from_file

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("TRM_DATA_DIR", str(BASE_DIR.parent / "var")))

DEBUG = env_bool("TRM_DEBUG", False)
# The key signing sessions and CSRF tokens: TRM_SECRET_KEY, or a random key kept in the node's data
# directory (created on first start, readable by the node's user only).
SECRET_KEY = env("TRM_SECRET_KEY") or secret_from_file(DATA_DIR / "secret.key")
ALLOWED_HOSTS = [h.strip() for h in env("TRM_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "trm.accounts",
    "trm.audit",
    "trm.cases",
    "trm.directory",
    "trm.exchange",
    "trm.web",
]
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
# A second factor (TOTP) for every role that handles cases or administers the node.
REQUIRE_MFA = env_bool("TRM_REQUIRE_MFA", True)
# API tokens stop working this many days after they were made (`trm token create` makes a new one).
TOKEN_DAYS = env_int("TRM_TOKEN_DAYS", 90)
# The outbox worker: how long a claimed message is held by one worker before another may take it
# (a worker that died mid-delivery), and the wait before the first retry (it doubles, up to an hour).
WORKER_LEASE_SECONDS = env_int("TRM_WORKER_LEASE_SECONDS", 120)
WORKER_RETRY_SECONDS = env_int("TRM_WORKER_RETRY_SECONDS", 15)
# The identity vault's keys: TRM_DATA_KEY, or the key file that `trm init` creates (mode 0600).
DATA_KEY = env("TRM_DATA_KEY")
DATA_KEY_FILE = Path(env("TRM_DATA_KEY_FILE", str(DATA_DIR / "data.key")))

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Compressed pages for slow links; Django pads gzip output with random bytes against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "trm.web.middleware.OrganisationTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "trm.urls"
WSGI_APPLICATION = "trm.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.template.context_processors.i18n",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "trm.web.context_processors.footnote",
    ]},
}]

_database_url = env("TRM_DATABASE_URL")
DATABASES = {"default": database_from_url(_database_url) if _database_url else {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": str(DATA_DIR / "trm.sqlite3"),
    "OPTIONS": SQLITE_OPTIONS,
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The fifteen languages of the UI and the template (trm.reporting.i18n.LANGUAGES), Django-style.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"), ("sq", "Shqip"), ("bs", "Bosanski"), ("bg", "Български"), ("hr", "Hrvatski"),
    ("mk", "Македонски"), ("ro", "Română"), ("sr-latn", "Srpski (latinica)"), ("sr-cyrl", "Српски (ћирилица)"),
    ("cnr", "Crnogorski"), ("it", "Italiano"), ("de", "Deutsch"), ("el", "Ελληνικά"), ("fr", "Français"),
    ("nl", "Nederlands"),
]
EXTRA_LANG_INFO = {
    "cnr": {"bidi": False, "code": "cnr", "name": "Montenegrin", "name_local": "Crnogorski"},
    "sr-cyrl": {"bidi": False, "code": "sr-cyrl", "name": "Serbian (Cyrillic)", "name_local": "Српски (ћирилица)"},
}
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise reads it at start; collectstatic fills it
WHITENOISE_USE_FINDERS = True

# Behind a TLS proxy on the same machine (see docs/admin-guide.md): trust its X-Forwarded-Proto and
# X-Forwarded-For headers. Never set this when clients can reach the node without the proxy.
BEHIND_PROXY = env_bool("TRM_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("TRM_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

# Reminders by e-mail (`trm remind`): nothing is sent unless TRM_SMTP_HOST is set.
EMAIL_HOST = env("TRM_SMTP_HOST", "")
EMAIL_PORT = env_int("TRM_SMTP_PORT", 587)
EMAIL_HOST_USER = env("TRM_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env("TRM_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("TRM_SMTP_STARTTLS", True)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env("TRM_MAIL_FROM", "trm@localhost")
# The node's address as people reach it (https://trm.example.org), for links in reminders.
BASE_URL = env("TRM_BASE_URL", "")

SESSION_COOKIE_HTTPONLY = True
# Sessions end after TRM_SESSION_IDLE_MINUTES without a request (default 30), and with the browser.
SESSION_COOKIE_AGE = env_int("TRM_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("TRM_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# No personal data in logs: requests are logged without query strings or bodies, errors without
# local variables (Django's default AdminEmailHandler is not used).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("TRM_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
