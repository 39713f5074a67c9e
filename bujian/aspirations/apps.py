from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AspirationsConfig(AppConfig):
    name = "bujian.aspirations"
    label = "aspirations"
    verbose_name = _("Aspirations and complaints")
