"""``manage.py import_data``: the same service as the pages — counts and errors printed, exit code 1
when rows are in error and nothing was written, dry run, explicit mapping, only the valid rows,
and the import recorded in the history of the account given."""

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from alternance.choices import JobStatus
from alternance.models import Apprentice, DataImport
from tests.alternance.imports.import_files import HERE, apprentice_row, csv_bytes
from tests.factories.alternance import AdminStaffFactory, CohortFactory, CreFactory

pytestmark = pytest.mark.django_db

COHORT = "BTS SIO 2026-2028"


@pytest.fixture(autouse=True)
def setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    CohortFactory(name=COHORT, start_date=date(2026, 9, 1))


def call(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_data", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_a_valid_file_is_imported_and_the_counts_printed():
    out, err = call("apprentices", str(HERE / "apprentis_erp_latin1.csv"))

    assert Apprentice.objects.count() == 3
    assert "Fichier : apprentis_erp_latin1.csv (CSV Windows-1252, séparateur point-virgule), 3 lignes de données" in out
    assert "Nom de naissance ← « NOM DE NAISSANCE »" in out
    assert out.rstrip().endswith("Importé : 3 lignes créées, 0 mises à jour, 0 inchangées, 0 en erreur.")
    assert err == ""
    assert DataImport.objects.count() == 0  # no account given: nothing in anyone's history


def test_errors_are_printed_and_the_command_fails_when_nothing_was_written(tmp_path):
    report = tmp_path / "erreurs.csv"
    with pytest.raises(CommandError) as error:
        call("apprentices", str(HERE / "apprentis_erreurs.csv"), error_report=str(report))

    assert str(error.value) == ("4 lignes en erreur : rien n'a été enregistré. Corrigez le fichier, ou relancez avec "
                                "--only-valid-rows pour importer les lignes valides.")
    assert Apprentice.objects.count() == 0
    lines = list(csv.reader(io.StringIO(report.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert [line[0] for line in lines] == ["Ligne d'origine", "3", "4", "5", "6"]


def test_errors_go_to_stderr_with_row_and_column():
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_data", "apprentices", str(HERE / "apprentis_erreurs.csv"), stdout=io.StringIO(), stderr=err)

    lines = err.getvalue().splitlines()
    assert len(lines) == 10
    assert lines[0] == ("Ligne 3, colonne « Sexe » : « Z » : indiquez M (masculin) ou F (féminin) ; H, Homme, Femme, M. et "
                        "Mme sont aussi acceptés.")


def test_only_valid_rows_writes_them_and_succeeds():
    out, err = call("apprentices", str(HERE / "apprentis_erreurs.csv"), only_valid_rows=True)

    assert Apprentice.objects.count() == 2
    assert "Importé : 2 lignes créées, 0 mises à jour, 0 inchangées, 4 en erreur." in out
    assert len(err.splitlines()) == 10


def test_dry_run_writes_nothing_and_fails_only_on_errors():
    out, _err = call("apprentices", str(HERE / "apprentis_erp_latin1.csv"), dry_run=True)
    assert "Rien n'a été enregistré — 3 lignes à créer, 0 à mettre à jour, 0 inchangées, 0 en erreur." in out
    assert Apprentice.objects.count() == 0

    with pytest.raises(CommandError) as error:
        call("apprentices", str(HERE / "apprentis_erreurs.csv"), "--dry-run")
    assert str(error.value) == "4 lignes en erreur : rien n'a été enregistré."


def test_an_explicit_mapping_replaces_the_suggestion(tmp_path):
    rows = [apprentice_row(1, COHORT)]
    header = list(rows[0])
    header[0] = "Patronyme (ERP)"
    rows[0]["Patronyme (ERP)"] = rows[0].pop("NOM DE NAISSANCE")
    path = tmp_path / "erp.csv"
    path.write_bytes(csv_bytes(rows, header=header))

    with pytest.raises(CommandError) as error:
        call("apprentices", str(path))
    assert "Associez une colonne au champ obligatoire « Nom de naissance »." in str(error.value)

    call("apprentices", str(path), "--mapping", json.dumps({"last_name": "Patronyme (ERP)"}))
    assert Apprentice.objects.get().last_name == "Nom1"

    mapping_file = tmp_path / "correspondance.json"
    mapping_file.write_text(json.dumps({"last_name": "Patronyme (ERP)", "city": "Ville"}), encoding="utf-8")
    out, _err = call("apprentices", str(path), "--mapping", str(mapping_file))
    assert "0 lignes créées, 0 mises à jour, 1 inchangée" in out


def test_the_account_given_records_the_import_in_its_history():
    admin = AdminStaffFactory(email="admin@of.test")

    call("apprentices", str(HERE / "apprentis_erreurs.csv"), "--only-valid-rows", "--user", "ADMIN@of.test")

    data_import = DataImport.objects.get()
    assert (data_import.created_by, data_import.status, data_import.phase, data_import.rows_total, data_import.rows_created) == (
        admin, JobStatus.DONE, "import", 6, 2)
    assert (data_import.rows_in_error, len(data_import.errors), data_import.only_valid_rows) == (4, 10, True)
    assert data_import.error_report.name.endswith("erreurs-apprentis_erreurs.csv")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["apprentices", "/nulle/part.csv"], "Fichier introuvable : /nulle/part.csv"),
        (["apprentices", str(HERE / "apprentis_erreurs.csv"), "--user", "personne@of.test"], "Aucun compte actif n'a l'e-mail"),
        (["apprentices", str(HERE / "apprentis_erreurs.csv"), "--mapping", "{pas du json"], "--mapping n'est pas un JSON valide"),
    ],
)
def test_wrong_arguments_are_explained(args, message):
    with pytest.raises(CommandError) as error:
        call(*args)
    assert message in str(error.value)


def test_an_account_that_may_not_import_is_refused():
    CreFactory(email="cre@of.test")
    with pytest.raises(CommandError) as error:
        call("apprentices", str(HERE / "apprentis_erp_latin1.csv"), "--user", "cre@of.test")
    assert "ne peut pas importer de données" in str(error.value)
    assert Apprentice.objects.count() == 0
