"""Valid-looking identifiers for demo data (SIRET, NIR, INE), drawn from an explicit ``random.Random``.

They pass the project's validators (alternance.validators) but are random: any resemblance to a
real establishment or person is chance.
"""

import random
from datetime import date

from alternance.validators import nir_key, validate_siret

LA_POSTE_SIREN = "356000000"


def luhn_check_digit(prefix: str) -> str:
    """Digit that, appended to ``prefix``, makes the whole number pass the Luhn check."""
    total = 0
    # Digits of the prefix are doubled from the right, starting with the rightmost one
    # (it becomes the second-to-last digit once the check digit is appended).
    for index, char in enumerate(reversed(prefix)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def random_siren(rng: random.Random) -> str:
    """A Luhn-valid 9-digit SIREN (not starting with 0 or La Poste's)."""
    while True:
        prefix = f"{rng.randint(10_000_000, 99_999_999)}"
        siren = prefix + luhn_check_digit(prefix)
        if siren != LA_POSTE_SIREN:
            return siren


def siret_for(siren: str, establishment: int) -> str:
    """SIRET of the ``establishment``-th site of ``siren`` (NIC = 4 digits + Luhn check on all 14)."""
    prefix = f"{siren}{establishment:04d}"
    return prefix + luhn_check_digit(prefix)


def la_poste_siret(rng: random.Random) -> str:
    """A SIRET of La Poste: SIREN 356000000, valid when the sum of its digits is a multiple of 5 (INSEE)."""
    while True:
        nic = f"{rng.randint(1, 99_999):05d}"
        siret = LA_POSTE_SIREN + nic
        if sum(map(int, siret)) % 5 == 0:
            validate_siret(siret)  # guards against a change of the rule in python-stdnum
            return siret


def nir_for(sex: str, birth_date: date, department: str, rng: random.Random) -> str:
    """A NIR whose sex, year, month and département match the person, with its key (domain §9)."""
    sex_digit = "1" if sex == "M" else "2"
    if department == "99":
        place = f"99{rng.randint(100, 499):03d}"  # born abroad: 99 + country code
    elif len(department) == 3:
        place = f"{department}{rng.randint(1, 24):02d}"  # overseas: 3-digit département + 2-digit commune
    else:
        place = f"{department}{rng.randint(1, 399):03d}"
    first_thirteen = f"{sex_digit}{birth_date:%y%m}{place}{rng.randint(1, 999):03d}"
    return f"{first_thirteen}{nir_key(first_thirteen):02d}"


def ine_for(index: int, rng: random.Random) -> str:
    """An INE (9 digits + 2 letters), unique through ``index``."""
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return f"{700_000_000 + index:09d}{rng.choice(letters)}{rng.choice(letters)}"
