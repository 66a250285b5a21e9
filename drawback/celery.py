import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drawback.settings")

app = Celery("drawback")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["claims.cbp"])  # tasks of the CBP gateway package
app.autodiscover_tasks(["claims.filing"])  # claims.filing.tasks: the filing package
app.autodiscover_tasks(["claims.privileges", "claims.projection"])  # daily privilege check, projections
