import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from factory.django import DjangoModelFactory

from alerts.choices import ConcernedRole, Severity
from alerts.models import Alert
from tests.factories.alternance import ApprenticeFactory


class AlertFactory(DjangoModelFactory):
    """An alert about an apprentice (subject = the apprentice)."""

    class Meta:
        model = Alert

    rule_code = "absences.unjustified"
    severity = Severity.WARNING
    apprentice = factory.SubFactory(ApprenticeFactory)
    subject_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.apprentice))
    subject_id = factory.LazyAttribute(lambda o: o.apprentice.pk)
    subject_label = factory.LazyAttribute(lambda o: str(o.apprentice))
    title = "3 demi-journées d'absence non justifiées en 30 jours"
    facts = factory.LazyFunction(lambda: {"absences": 3, "window_days": 30})
    recommended_action = "Appeler l'apprenti·e et prévenir l'employeur."
    concerned_role = ConcernedRole.TUTOR
    raised_at = factory.LazyFunction(timezone.now)
