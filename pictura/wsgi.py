"""WSGI entry point, used by gunicorn (Procfile) and Elastic Beanstalk."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pictura.settings")

application = get_wsgi_application()
