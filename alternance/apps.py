from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlternanceConfig(AppConfig):
    name = "alternance"
    verbose_name = _("Alternance")
