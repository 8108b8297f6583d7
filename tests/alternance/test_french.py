"""French writing helpers: elision, amounts, empty choices."""

from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template

from alternance.french import de
from alternance.models import Apprentice, Cohort


@pytest.mark.parametrize(("name", "expected"), [
    ("Martin", "de Martin"), ("Eva Vidal", "d'Eva Vidal"), ("Écully", "d'Écully"), ("Ulysse", "d'Ulysse"),
    ("Hugo", "de Hugo"), ("Yanis", "de Yanis"), ("", "de "),
])
def test_de_elides_before_a_vowel_only(name, expected):
    assert de(name) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("3720"), "3\u00a0720,00\u00a0€"), (Decimal("999.5"), "999,50\u00a0€"), (Decimal("1234567.891"), "1\u00a0234\u00a0567,89\u00a0€"),
    (0, "0,00\u00a0€"), (None, ""),
])
def test_euros_groups_thousands_with_a_decimal_comma(value, expected):
    assert Template("{% load french %}{{ value|euros }}").render(Context({"value": value})) == expected


@pytest.mark.django_db
def test_empty_choices_read_as_a_french_prompt():
    class Form(forms.ModelForm):
        class Meta:
            model = Apprentice
            fields = ("cohort", "situation_before_contract")

    html = str(Form())

    assert "---------" not in html
    assert html.count('<option value="" selected>Choisissez…</option>') == 2
    assert forms.ModelChoiceField(queryset=Cohort.objects.none()).empty_label == "Choisissez…"


@pytest.mark.parametrize(("typed", "expected"), [
    ("7 500", Decimal("7500")), ("7\u00a0500,50", Decimal("7500.50")), ("7\u202f500,5", Decimal("7500.5")),
    ("7500.50", Decimal("7500.50")), ("1 234 567,89", Decimal("1234567.89")), ("12,5", Decimal("12.5")),
])
def test_amounts_are_read_as_french_people_type_them(typed, expected):
    field = forms.DecimalField(max_digits=12, decimal_places=2)

    assert field.clean(typed) == expected


@pytest.mark.parametrize("typed", ["7 5OO", "7,500,50", "sept mille"])
def test_an_amount_that_is_not_a_number_is_refused(typed):
    field = forms.DecimalField(max_digits=12, decimal_places=2)

    with pytest.raises(forms.ValidationError):
        field.clean(typed)


def test_an_amount_field_is_a_text_input_showing_the_decimal_comma():
    class Form(forms.Form):
        amount = forms.DecimalField(max_digits=12, decimal_places=2)

    html = str(Form(initial={"amount": Decimal("7500.50")})["amount"])

    assert 'type="text"' in html and 'inputmode="decimal"' in html and 'value="7500,50"' in html
