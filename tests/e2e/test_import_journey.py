"""Admin staff imports apprentices from a spreadsheet: the first file has a bad row, the error is
read on the page with its row and column, nothing is written; the corrected file is uploaded,
checked and imported, and the counts are shown."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from alternance.models import Apprentice
from tests.alternance.imports.import_files import apprentice_row, csv_bytes
from tests.factories.alternance import AdminStaffFactory, CohortFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "motdepasse-solide-42"  # tests.factories.alternance.UserFactory
COHORT = "BTS SIO 2026-2028"


def upload(page: Page, live_server, content: bytes, name: str) -> None:
    expect(page.get_by_role("heading", name="Nouvel import")).to_be_visible()
    page.get_by_label("Apprenti·es").check()
    page.get_by_label("Fichier CSV ou XLSX").set_input_files(files=[{"name": name, "mimeType": "text/csv", "buffer": content}])
    page.get_by_role("button", name="Déposer le fichier").click()
    expect(page.get_by_role("heading", name="Correspondance des colonnes")).to_be_visible()


def test_admin_staff_fixes_a_bad_row_then_imports_the_file(page: Page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    admin = AdminStaffFactory(email="administratif-import@example.test")
    CohortFactory(name=COHORT, start_date=date(2026, 9, 1))
    bad = [apprentice_row(1, COHORT), apprentice_row(2, COHORT, Sexe="Z")]
    fixed = [apprentice_row(1, COHORT), apprentice_row(2, COHORT, Sexe="Homme")]

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(admin.email)
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    # First file: the suggested mapping and the preview, then the check finds the bad row.
    page.goto(f"{live_server.url}/imports/nouveau/")
    upload(page, live_server, csv_bytes(bad), "apprentis.csv")
    expect(page.get_by_label("Nom de naissance *")).to_have_value("NOM DE NAISSANCE")
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("Prénom2")
    expect(preview.locator("td.table-danger")).to_have_text("Z ⚠")
    expect(page.get_by_test_id("preview-problems")).to_contain_text("Ligne 3, « Sexe » : « Z » : indiquez M (masculin) ou F (féminin)")
    # Changing a column refreshes the preview (htmx) without saving anything.
    page.get_by_label("Prénom *").select_option("NOM DE NAISSANCE")
    expect(page.get_by_test_id("preview").locator("tbody tr").first.locator("td").nth(2)).to_have_text("Nom1")
    page.get_by_label("Prénom *").select_option("Prénom")
    expect(page.get_by_test_id("preview").locator("tbody tr").first.locator("td").nth(2)).to_have_text("Prénom1")
    page.get_by_role("button", name="Vérifier le fichier").click()

    expect(page.get_by_test_id("import-errors")).to_contain_text(
        "Ligne 3, colonne « Sexe » : « Z » : indiquez M (masculin) ou F (féminin) ; H, Homme, Femme, M. et Mme sont aussi acceptés."
    )
    expect(page.get_by_test_id("count-errors")).to_have_text("1")
    expect(page.get_by_text("1 ligne est en erreur : tant qu'elle l'est, rien n'est importé.")).to_be_visible()
    assert Apprentice.objects.count() == 0

    # The corrected file: checked without error, imported, counts shown.
    page.get_by_role("link", name="Déposer un fichier corrigé").click()
    upload(page, live_server, csv_bytes(fixed), "apprentis-corrige.csv")
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_text("Aucune erreur : le fichier peut être importé.")).to_be_visible()
    expect(page.get_by_test_id("count-created")).to_have_text("2")
    page.get_by_role("button", name="Importer", exact=True).click()

    expect(page.get_by_text("Import terminé : 2 lignes créées, 0 mises à jour, 0 inchangées, 0 en erreur.")).to_be_visible()
    expect(page.get_by_role("heading", name="Résultat de l'import")).to_be_visible()
    expect(page.get_by_test_id("count-created")).to_have_text("2")
    expect(page.get_by_test_id("count-errors")).to_have_text("0")
    assert sorted(Apprentice.objects.values_list("sex", flat=True)) == ["F", "M"]
    assert Apprentice.objects.get(email="personne2@example.fr").sex == "M"
