"""Recovery of a lost second factor (issue 17 §9): a superuser removes an account's TOTP devices.

    python manage.py reset_second_factor camille.dupont@cfa.test

The person then logs in with its password alone; if its role requires a second factor, it is sent
to the enrolment page at once and scans a new QR code.
"""

from django.core.management.base import BaseCommand, CommandError

from alternance.accounts.services import second_factor_reset
from alternance.models import User


class Command(BaseCommand):
    help = "Supprime la double authentification d'un compte (téléphone perdu) : il se reconnecte avec son mot de passe et la réactive."

    def add_arguments(self, parser):
        parser.add_argument("email", help="adresse e-mail du compte")

    def handle(self, *args, email: str, **options):
        user = User.objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"Aucun compte n'a l'adresse {email}.")
        count = second_factor_reset(user=user)
        if count:
            self.stdout.write(self.style.SUCCESS(f"Double authentification supprimée pour {user.email} ({count} appareil(s))."))
        else:
            self.stdout.write(f"{user.email} n'avait pas de double authentification : rien à faire.")
