"""Settings, all from environment variables with safe development defaults.

DOORSTEP_DEBUG          "1" (default) for development, "0" for production
DOORSTEP_SECRET_KEY     required when DOORSTEP_DEBUG=0
DOORSTEP_PII_KEY        key for personal data (base64, 32 bytes); required when DOORSTEP_DEBUG=0
DOORSTEP_DATABASE_URL   default: SQLite file in DOORSTEP_DATA_DIR; postgres://user@host:port/name
DOORSTEP_DATA_DIR       default: ./data
DOORSTEP_ALLOWED_HOSTS  comma separated; default localhost names in debug
DOORSTEP_TILE_URL       map tile URL template; empty means no tiles (pages still work)
DOORSTEP_OFFICE_HOURS   city default office hours, JSON: {"blocks": ["08:30-12:00", "14:30-17:30"]}
DOORSTEP_SATISFIED_INCLUDES_BASIC  "1": 满意率 counts "basically satisfied" (score 3) too
DOORSTEP_CITY_DESK_REGION  region code that takes reports from outside the territory (empty: refused)
DOORSTEP_SUGGEST_AUTO_SCORE  a suggested category at least this sure (0..1, default 0.6) is used
DOORSTEP_TILE_SYSTEM    coordinate system of the tile server: wgs84 (default) or gcj02
DOORSTEP_PHOTO_MAX_BYTES / DOORSTEP_PHOTO_MAX_PIXELS  photo upload limits (10 MB, 64 million px)
DOORSTEP_REPEAT_DAYS    a demand by the same person on the same matter within this many days is a repeat (30)
DOORSTEP_DEADLINE_FROM_NEXT_DAY  working-day limits count from the day after receipt ("1", default) or from it ("0")
DOORSTEP_RETURN_WITHIN_WORKING_DAYS  a dispatched case may be returned (退单) within this many working days (2)
DOORSTEP_POSTPONE_MAX_WORKING_DAYS  approved postponements of a case add up to at most this (10)
DOORSTEP_WHISTLE_REPORT_IN / DOORSTEP_WHISTLE_PART_LIMIT  a summoned department reports in within
                        "2 working_hours" and finishes its part within "3 working_days" (value and unit)
DOORSTEP_REOPEN_WITHIN_DAYS  the resident may reopen a closed case within this many days (7)
DOORSTEP_REMIND_AT      share of a limit after which a "due soon" reminder goes out (0.8)
DOORSTEP_WORKER_SCHEDULE_SECONDS  how often `doorstep worker` enqueues escalation and reminders (60)
DOORSTEP_SUGGEST_RETRAIN_HOURS  `doorstep worker` retrains the category suggestion this often (24; 0: only
                        after staff corrections)
DOORSTEP_MESSAGE_BACKEND  SMS/WeChat gateway class (default doorstep.core.notify.LogBackend: logs, sends nothing)
DOORSTEP_WALK_METRES_PER_MINUTE / DOORSTEP_WALK_DETOUR  walking speed (60) and detour factor (1.2) for near me
DOORSTEP_WEBHOOK_MAX_ATTEMPTS / DOORSTEP_WEBHOOK_BACKOFF_SECONDS / DOORSTEP_WEBHOOK_BACKOFF_MAX_SECONDS
                        webhook retries: at most 10 tries, waiting 30 s × 2^(n−1), at most 6 h
DOORSTEP_WEBHOOK_TIMEOUT_SECONDS  a receiver must answer within this (10)
DOORSTEP_WEBHOOKS_ALLOW_PRIVATE  allow webhook receivers on loopback/private addresses (false)
DOORSTEP_ORDER_CLAIM_WORKING_DAYS / DOORSTEP_ORDER_DONE_WORKING_DAYS  a service order (群众点单) is to be taken
                        within 1 and done within 3 working days; untaken ones are escalated by `doorstep worker`
DOORSTEP_POINTS_ORDER   points a volunteer earns for a done service order (5)
"""

import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
env = os.environ.get


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DOORSTEP_DEBUG", True)
DATA_DIR = Path(env("DOORSTEP_DATA_DIR") or Path.cwd() / "data").resolve()

SECRET_KEY = env("DOORSTEP_SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DOORSTEP_SECRET_KEY must be set when DOORSTEP_DEBUG=0")
    SECRET_KEY = "doorstep-development-only-secret-key-not-for-production-use-0123456789"

PII_KEY = env("DOORSTEP_PII_KEY") or ""
if not PII_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DOORSTEP_PII_KEY must be set when DOORSTEP_DEBUG=0")
    # Development key: personal data encrypted with it is not protected.
    PII_KEY = "ZG9vcnN0ZXAtZGV2ZWxvcG1lbnQta2V5LTAxMjM0NTY="

ALLOWED_HOSTS = [h.strip() for h in (env("DOORSTEP_ALLOWED_HOSTS") or "").split(",") if h.strip()]
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # the API docs page then serves Swagger UI from the package, not from a CDN
    "doorstep.core",
    "doorstep.territory",
    "doorstep.demands",
    "doorstep.open311",
    "doorstep.resources",
    "doorstep.council",
    "doorstep.projects",
    "doorstep.webhooks",
    "django_tasks",
    "django_tasks_db",
    "doorstep.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "doorstep.core.api.ApiMiddleware",  # /api/: refuses NUL in input, logs each API key use
]

ROOT_URLCONF = "doorstep.urls"
WSGI_APPLICATION = "doorstep.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

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
                "doorstep.web.context.site",
                "doorstep.core.context.calendar_warning",
            ],
        },
    },
]


def database_config() -> dict:
    url = env("DOORSTEP_DATABASE_URL")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'doorstep.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=0 if DEBUG else 60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
            # BEGIN so two writers queue instead of failing half way.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        config["TEST"] = {"NAME": env("DOORSTEP_TEST_SQLITE_NAME") or None}
    return config


DATABASES = {"default": database_config()}
# The public map's covering index (INCLUDE id) is PostgreSQL's; SQLite builds it without the
# extra column, which is fine, so its warning would only be noise on every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Background jobs: Django's tasks interface with the database backend; `doorstep worker` runs them.
TASKS = {
    "default": {
        "BACKEND": env("DOORSTEP_TASK_BACKEND") or "django_tasks_db.DatabaseBackend",
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = DEBUG
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}


def _package_static(package: str) -> list[tuple[str, str]]:
    """Static files shipped inside an installed package (Leaflet comes with django-leaflet),
    served without installing the package as an app (its admin widgets need GDAL)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return []
    return [(package, str(Path(next(iter(spec.submodule_search_locations))) / "static" / package))]


STATICFILES_DIRS = _package_static("leaflet")
# How often a process checks whether boundaries changed elsewhere (point-location index).
LOCATE_CHECK_SECONDS = float(env("DOORSTEP_LOCATE_CHECK_SECONDS") or 5)
DOORSTEP_TILE_URL = env("DOORSTEP_TILE_URL") or ""
DOORSTEP_CITY_NAME = env("DOORSTEP_CITY_NAME") or "宜春市"
# City default office hours for working-hour limits, JSON (see doorstep/core/workcalendar/hours.py);
# empty: 08:30-12:00 and 14:30-17:30.
DOORSTEP_OFFICE_HOURS = env("DOORSTEP_OFFICE_HOURS") or None
# 满意率: count "basically satisfied" (score 3) as satisfied, as some cities do (default: no).
DEMANDS_SATISFIED_INCLUDES_BASIC = env_bool("DOORSTEP_SATISFIED_INCLUDES_BASIC", False)
# Intake (demands): where reports from outside the territory go (a region code; empty: refused
# with a message), when a suggested category is used without asking, the map tiles' coordinate
# system (a GCJ-02 tile server needs taps converted), and photo limits.
DOORSTEP_CITY_DESK_REGION = env("DOORSTEP_CITY_DESK_REGION") or ""
DOORSTEP_SUGGEST_AUTO_SCORE = float(env("DOORSTEP_SUGGEST_AUTO_SCORE") or 0.6)
DOORSTEP_TILE_SYSTEM = (env("DOORSTEP_TILE_SYSTEM") or "wgs84").lower()
DOORSTEP_PHOTO_MAX_BYTES = int(env("DOORSTEP_PHOTO_MAX_BYTES") or 10 * 1024 * 1024)
DOORSTEP_PHOTO_MAX_PIXELS = int(env("DOORSTEP_PHOTO_MAX_PIXELS") or 64_000_000)
# Repeats (重复诉求): the same person on the same matter within this many days (cases.md: 30);
# category suggestion: how often a process looks for a newer model, edited classes, corrections.
DOORSTEP_REPEAT_DAYS = int(env("DOORSTEP_REPEAT_DAYS") or 30)
DOORSTEP_SUGGEST_CHECK_SECONDS = float(env("DOORSTEP_SUGGEST_CHECK_SECONDS") or 5)

# The case loop's local rules (cases.md; the defaults are Shandong's and common practice) and its
# outside messages; doorstep/demands/deadlines.py explains each.
DOORSTEP_DEADLINE_FROM_NEXT_DAY = env_bool("DOORSTEP_DEADLINE_FROM_NEXT_DAY", True)
DOORSTEP_RETURN_WITHIN_WORKING_DAYS = int(env("DOORSTEP_RETURN_WITHIN_WORKING_DAYS") or 2)
DOORSTEP_POSTPONE_MAX_WORKING_DAYS = int(env("DOORSTEP_POSTPONE_MAX_WORKING_DAYS") or 10)
DOORSTEP_WHISTLE_REPORT_IN = env("DOORSTEP_WHISTLE_REPORT_IN") or "2 working_hours"
DOORSTEP_WHISTLE_PART_LIMIT = env("DOORSTEP_WHISTLE_PART_LIMIT") or "3 working_days"
DOORSTEP_REOPEN_WITHIN_DAYS = int(env("DOORSTEP_REOPEN_WITHIN_DAYS") or 7)
DOORSTEP_REMIND_AT = float(env("DOORSTEP_REMIND_AT") or 0.8)
DOORSTEP_WORKER_SCHEDULE_SECONDS = float(env("DOORSTEP_WORKER_SCHEDULE_SECONDS") or 60)
DOORSTEP_SUGGEST_RETRAIN_HOURS = float(env("DOORSTEP_SUGGEST_RETRAIN_HOURS") or 24)
DOORSTEP_MESSAGE_BACKEND = env("DOORSTEP_MESSAGE_BACKEND") or "doorstep.core.notify.LogBackend"
# Near me and coverage (resources): walking speed (geo.md: 60 m/min) and the detour factor applied
# to straight-line distance until a road network is loaded (1.2: geo.md's 10-minute circle, 600 m
# walked for ≈ 500 m); doorstep/resources/walking.py.
DOORSTEP_WALK_METRES_PER_MINUTE = float(env("DOORSTEP_WALK_METRES_PER_MINUTE") or 60)
DOORSTEP_WALK_DETOUR = float(env("DOORSTEP_WALK_DETOUR") or 1.2)
# Webhooks (doorstep/webhooks/services.py): retries with exponential backoff, the receiver's time
# limit, how long an old secret keeps signing after a rotation.
DOORSTEP_WEBHOOK_MAX_ATTEMPTS = int(env("DOORSTEP_WEBHOOK_MAX_ATTEMPTS") or 10)
DOORSTEP_WEBHOOK_BACKOFF_SECONDS = float(env("DOORSTEP_WEBHOOK_BACKOFF_SECONDS") or 30)
DOORSTEP_WEBHOOK_BACKOFF_MAX_SECONDS = float(env("DOORSTEP_WEBHOOK_BACKOFF_MAX_SECONDS") or 6 * 3600)
DOORSTEP_WEBHOOK_TIMEOUT_SECONDS = float(env("DOORSTEP_WEBHOOK_TIMEOUT_SECONDS") or 10)
DOORSTEP_WEBHOOK_ROTATION_GRACE_HOURS = float(env("DOORSTEP_WEBHOOK_ROTATION_GRACE_HOURS") or 24)
# Receivers on loopback, private, link-local or multicast addresses are refused (SSRF) unless
# this is true (doorstep/webhooks/addresses.py).
DOORSTEP_WEBHOOKS_ALLOW_PRIVATE = env_bool("DOORSTEP_WEBHOOKS_ALLOW_PRIVATE", False)
# Service orders (doorstep/resources/orders.py): working days to take and to finish an order, and
# the points a volunteer earns for one.
DOORSTEP_ORDER_CLAIM_WORKING_DAYS = int(env("DOORSTEP_ORDER_CLAIM_WORKING_DAYS") or 1)
DOORSTEP_ORDER_DONE_WORKING_DAYS = int(env("DOORSTEP_ORDER_DONE_WORKING_DAYS") or 3)
DOORSTEP_POINTS_ORDER = int(env("DOORSTEP_POINTS_ORDER") or 5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "doorstep": {"handlers": ["console"], "level": env("DOORSTEP_LOG_LEVEL") or "INFO"},
    },
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DOORSTEP_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("DOORSTEP_HSTS_SECONDS") or 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    CSRF_TRUSTED_ORIGINS = [
        o.strip() for o in (env("DOORSTEP_CSRF_TRUSTED_ORIGINS") or "").split(",") if o.strip()
    ]
