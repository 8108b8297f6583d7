from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlternanceConfig(AppConfig):
    name = "alternance"
    verbose_name = _("Alternance")

    def ready(self) -> None:
        # History of changes (issue 13 §4): the logged models, and the label of changes no person made.
        from auditlog.models import LogEntry
        from celery.signals import task_postrun, task_prerun
        from django.db.models.signals import pre_save

        from alternance.history import registry, services

        registry.register_models()
        pre_save.connect(services.prepare_entry, sender=LogEntry, dispatch_uid="history_system_label")
        task_prerun.connect(services.task_started, dispatch_uid="history_task_started", weak=False)
        task_postrun.connect(services.task_finished, dispatch_uid="history_task_finished", weak=False)
