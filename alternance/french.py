"""Small French writing rules the product applies everywhere a name is put into a sentence."""

VOWELS = frozenset("AEIOUÀÂÄÉÈÊËÎÏÔÖÙÛÜaeiouàâäéèêëîïôöùûü")


def de(name: str) -> str:
    """« de Martin », but « d'Eva », « d'Écully »: the elision before a vowel. A silent h is not
    guessed (« de Hugo » is kept: the aspirated and silent h cannot be told apart by spelling)."""
    name = str(name)
    return f"d'{name}" if name[:1] in VOWELS else f"de {name}"
