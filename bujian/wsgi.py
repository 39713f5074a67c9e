import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bujian.settings")
# What django.core.wsgi.get_wsgi_application does, with the project's handler
# (a shorter middleware chain for staff API calls with a bearer token).
django.setup(set_prefix=False)

from bujian.core.handlers import BujianWSGIHandler  # noqa: E402 -- needs the apps loaded

application = BujianWSGIHandler()

# Import the URL configuration (every view module and the API's schemas, about 2 s)
# now, as each worker starts, not in the first request it serves.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 -- the import is the point
