"""The Celery application.

Configured from Django settings under the ``CELERY_`` namespace. Without ``REDIS_URL`` the
settings make every task run eagerly in the calling process (after the transaction commits,
because services enqueue with ``transaction.on_commit``), so the same code path serves a laptop
with no broker and a fleet of workers on Redis.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pictura.settings")

app = Celery("pictura")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
