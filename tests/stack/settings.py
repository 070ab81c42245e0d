"""The whole-stack test's settings: the production settings as they are (PostgreSQL, Celery
on Redis, Redis cache, JSON logs, every security setting), with one change: Redis gives an
unacknowledged task to another worker after 15 seconds instead of an hour, so the task of a
worker killed mid-run is delivered again within the test (production keeps the default
hour; the job's next scheduled run, or this redelivery, finishes the work either way)."""

from config.settings.production import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 15}
