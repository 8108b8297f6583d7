"""Time the import of apprentices on the current database: a generated file of ``--rows`` valid
rows is imported (creation), then a second file changing every row's phone and address
(update), then the same file again (nothing to change).

    python manage.py benchmark_import [--rows 10000] [--format csv|xlsx] [--keep]

The files are written into a temporary folder; the learners go into a cohort of their own
(« Promotion benchmark import ») that the command removes at the end unless ``--keep``. Each run
prints its time, its counts and its number of SQL queries. Run it on a throwaway database
(e.g. ``DATABASE_URL=sqlite:////tmp/bench.sqlite3`` after ``migrate``): it writes real rows.
Performance is measured here, not asserted in tests (house style).

It may run on a database that holds the demo (``seed_demo``): its learners are new people, never
demo learners. Their INEs have the 10-digit form that the demo's generator never writes (it writes
9 digits + 2 letters), and any INE already stored is skipped; their e-mails are on a domain of their own.
"""

from __future__ import annotations

import csv
import io
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from alternance.choices import DiplomaCode, QualificationLevel, Role
from alternance.demo.identifiers import nir_for
from alternance.demo.reference import FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES
from alternance.imports.mapping import suggest_mapping
from alternance.imports.readers import read_table
from alternance.imports.runner import KINDS, import_table
from alternance.models import Apprentice, Cohort, Programme, User

COHORT_NAME = "Promotion benchmark import"
# INEs of the benchmark: 10 digits + 1 letter, from 8 000 000 000 up (demo INEs: 9 digits + 2 letters).
INE_FIRST_NUMBER = 8_000_000_000
INE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
PROGRAMME_TITLE = "Formation du benchmark d'import"
TUTOR_EMAIL = "tuteur-benchmark-import@example.test"
HEADER = [
    "INE", "NOM DE NAISSANCE", "Prénom", "Sexe", "Date de naissance", "Département de naissance", "Commune de naissance",
    "N° de sécurité sociale", "Adresse", "Code postal", "Ville", "Téléphone", "E-mail", "RQTH", "Promotion",
    "Date d'inscription", "Date d'entrée en formation",
]


class Command(BaseCommand):
    help = "Mesure l'import d'un fichier d'apprenti·es généré (création, mise à jour, réimport identique)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
        parser.add_argument("--keep", action="store_true", help="Garder les apprenti·es créé·es (sinon supprimé·es à la fin)")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, rows: int, format: str, keep: bool, seed: int, **options):
        if rows < 1:
            raise CommandError("--rows doit être au moins 1.")
        cohort = self._cohort()
        if Apprentice.objects.filter(cohort=cohort).exists():
            raise CommandError(f"La promotion « {COHORT_NAME} » contient déjà des apprenti·es (relancez après --keep ?) : "
                               "supprimez-les ou utilisez une base jetable.")
        people = self._people(rows, random.Random(seed), self._free_ines(rows))
        self.stdout.write(f"Base : {connection.vendor} — {Apprentice.objects.count()} apprenti·es avant ; fichier {format.upper()} "
                          f"de {rows} lignes")
        with tempfile.TemporaryDirectory(prefix="benchmark-import-") as folder:
            first = self._write(Path(folder), "apprentis", format, people, variant=0)
            second = self._write(Path(folder), "apprentis-modifies", format, people, variant=1)
            self.stdout.write(f"Fichiers dans {folder} : {first.stat().st_size // 1024} Ko, {second.stat().st_size // 1024} Ko")
            self.stdout.write(f"{'Passage':<38} {'durée':>9} {'lignes/s':>9} {'requêtes':>9}  résultat")
            for label, path in (("1. création", first), ("2. mise à jour (téléphone, adresse)", second),
                                ("3. réimport identique", second)):
                self._run(label, path)
        if not keep:
            with transaction.atomic():
                deleted, _detail = Apprentice.objects.filter(cohort=cohort).delete()
            self.stdout.write(f"Nettoyage : {deleted} apprenti·es du benchmark supprimé·es.")

    def _run(self, label: str, path: Path) -> None:
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        start = time.perf_counter()
        with connection.execute_wrapper(count):
            table = read_table(path.read_bytes(), name=path.name)
            mapping = suggest_mapping(table.headers, KINDS["apprentices"].fields)
            report = import_table(table=table, kind="apprentices", mapping=mapping)
        elapsed = time.perf_counter() - start
        if report.errors:
            raise CommandError(f"Le fichier généré a des erreurs, par exemple : {report.errors[0]}")
        self.stdout.write(f"{label:<38} {elapsed:>7.2f} s {report.total / elapsed:>9.0f} {queries:>9}  {report.summary()}")

    @staticmethod
    def _cohort() -> Cohort:
        tutor, _created = User.objects.get_or_create(
            email=TUTOR_EMAIL, defaults={"role": Role.TUTOR, "first_name": "Tuteur", "last_name": "Benchmark"},
        )
        programme, _created = Programme.objects.get_or_create(title=PROGRAMME_TITLE, defaults={
            "short_title": "Benchmark", "rncp_code": "RNCP35340", "diploma_code": DiplomaCode.BTS,
            "level": QualificationLevel.LEVEL_5, "duration_months": 24, "training_hours": 1350,
        })
        cohort, _created = Cohort.objects.get_or_create(name=COHORT_NAME, defaults={
            "programme": programme, "start_date": date(2026, 9, 1), "end_date": date(2028, 6, 30),
            "referent_tutor": tutor, "rhythm_label": "2 jours CFA / 3 jours entreprise", "rhythm_pattern": "CCEEE",
        })
        return cohort

    @staticmethod
    def _free_ines(rows: int) -> list[str]:
        """``rows`` INEs in the benchmark's range that no stored learner holds (one query): the import
        then creates new learners and never updates a demo or real one found by its INE."""
        taken = set(Apprentice.objects.filter(ine__startswith=str(INE_FIRST_NUMBER)[0]).values_list("ine", flat=True))
        ines: list[str] = []
        number = INE_FIRST_NUMBER
        while len(ines) < rows:
            ine = f"{number:010d}{INE_LETTERS[number % len(INE_LETTERS)]}"
            if ine not in taken:
                ines.append(ine)
            number += 1
        return ines

    @staticmethod
    def _people(rows: int, rng: random.Random, ines: list[str]) -> list[dict]:
        people = []
        for index in range(rows):
            sex = rng.choice("MF")
            birth = date(2002, 1, 1) + timedelta(days=rng.randint(0, 5 * 365))
            department = rng.choice(("75", "69", "13", "33", "59", "2A", "974", "44"))
            people.append({
                "index": index, "sex": sex, "birth": birth, "department": department,
                "first": rng.choice(MALE_FIRST_NAMES if sex == "M" else FEMALE_FIRST_NAMES), "last": rng.choice(LAST_NAMES),
                "ine": ines[index], "nir": nir_for(sex, birth, department, rng),
            })
        return people

    @staticmethod
    def _row(person: dict, variant: int) -> list:
        index = person["index"]
        return [
            person["ine"], person["last"].upper(), person["first"], "Homme" if person["sex"] == "M" else "Femme",
            person["birth"], person["department"], "Paris", person["nir"],
            f"{index % 200 + 1} {'avenue' if variant else 'rue'} des Essais", f"{75001 + index % 20:05d}", "Paris",
            f"06 {variant + 10} {index // 10000 % 100:02d} {index // 100 % 100:02d} {index % 100:02d}",
            f"apprenti.{index}@benchmark-import.test", "Non", COHORT_NAME, date(2026, 7, 1), date(2026, 9, 1),
        ]

    def _write(self, folder: Path, stem: str, fmt: str, people: list[dict], *, variant: int) -> Path:
        path = folder / f"{stem}.{fmt}"
        lines = [self._row(person, variant) for person in people]
        if fmt == "xlsx":
            from openpyxl import Workbook

            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("Apprentis")
            sheet.append(HEADER)
            for line in lines:
                sheet.append(line)
            workbook.save(path)
            return path
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        for line in lines:
            writer.writerow([f"{value:%d/%m/%Y}" if isinstance(value, date) else value for value in line])
        path.write_bytes(buffer.getvalue().encode("cp1252", errors="replace"))  # Excel's « CSV (point-virgule) »
        return path
