from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contrats")

    def ready(self):
        from contracts import signals  # noqa: F401 — connects the OPCO board's keepers
