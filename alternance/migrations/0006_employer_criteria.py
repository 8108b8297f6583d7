"""The employer's part of the visit grid (issue 6, part 4): three criteria the maître
d'apprentissage scores on the extranet. Data only; the list is kept equal to
``alternance.evaluations.EMPLOYER_CRITERIA`` by a test (a migration must not import app code)."""

from django.db import migrations

# (code, label, help text); scale 1 = worst … 4 = best, like the tutor's grid.
EMPLOYER_CRITERIA = [
    ("employer_behaviour", "Savoir-être et intégration (vu par le maître d'apprentissage)",
     "Attitude, respect des consignes et des règles, relations avec l'équipe et la clientèle. "
     "1 = très insuffisant, 4 = excellent."),
    ("employer_skills", "Progression des compétences en entreprise",
     "Gestes et savoir-faire du métier acquis depuis le dernier point, autonomie sur les missions confiées. "
     "1 = aucune progression, 4 = très bonne progression."),
    ("employer_attendance", "Assiduité et ponctualité en entreprise",
     "Présence aux horaires prévus, absences prévenues et justifiées. 1 = absences ou retards fréquents, 4 = irréprochable."),
]
FIRST_ORDER = 110  # after the tutor's criteria (10 … 50)


def install(apps, schema_editor):
    VisitCriterion = apps.get_model("alternance", "VisitCriterion")
    for index, (code, label, help_text) in enumerate(EMPLOYER_CRITERIA):
        VisitCriterion.objects.get_or_create(
            code=code,
            defaults={"label": label, "help_text": help_text, "scale_max": 4, "order": FIRST_ORDER + 10 * index,
                      "for_employer": True},
        )


def uninstall(apps, schema_editor):
    apps.get_model("alternance", "VisitCriterion").objects.filter(code__in=[c[0] for c in EMPLOYER_CRITERIA]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("alternance", "0005_calendar_absences_exchange"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
