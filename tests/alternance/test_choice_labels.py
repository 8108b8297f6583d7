"""``get_FOO_display`` of the product's models (``alternance.apps.quick_choice_labels``): the same
answer as Django's for every value of every field with choices, one translation per call instead of
one per label of the field, and the request's language still applies."""

from unittest import mock

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from alternance.apps import PRODUCT_APPS, quick_choice_labels
from contracts.choices import ContractStatus, DocumentKind
from contracts.models import Contract, Document

FIELDS_WITH_CHOICES = [
    (model, field)
    for model in apps.get_models()
    if model._meta.app_label in PRODUCT_APPS
    for field in model._meta.concrete_fields
    if field.choices and field.model is model
]


def test_every_field_with_choices_of_the_product_is_covered():
    assert len(FIELDS_WITH_CHOICES) >= 70  # 37 models at the time of writing
    assert {model.__name__ for model, _field in FIELDS_WITH_CHOICES} >= {"Contract", "Document", "AttendanceRecord", "Alert", "Visit"}


@pytest.mark.parametrize(("model", "field"), FIELDS_WITH_CHOICES, ids=lambda item: getattr(item, "__name__", getattr(item, "name", "")))
def test_the_label_of_every_value_and_of_an_unknown_value_is_djangos(model, field):
    row = model()
    for value in [*(value for value, _label in field.flatchoices), "valeur-inconnue", None]:
        setattr(row, field.attname, value)
        shown = getattr(row, f"get_{field.name}_display")()
        assert shown == models.Model._get_FIELD_display(row, field)
        assert type(shown) is type(models.Model._get_FIELD_display(row, field))


def test_a_label_is_the_only_one_translated():
    from django.utils.translation import _trans

    row = Document(kind=DocumentKind.CERFA)
    real = _trans.gettext
    with mock.patch.object(_trans, "gettext", side_effect=real) as gettext:
        assert row.get_kind_display() == "Cerfa du contrat"
    assert gettext.call_count == 1
    assert len(DocumentKind.choices) > 10  # Django's own would translate every one of them


def test_labels_follow_the_language_of_the_request():
    row = Contract(status=ContractStatus.IN_PROGRESS)
    with translation.override("fr"):
        french = row.get_status_display()
    with mock.patch("django.utils.translation._trans.gettext", side_effect=lambda message: f"[{message}]"):
        assert row.get_status_display() == f"[{french}]"


def test_a_model_that_writes_its_own_display_keeps_it(monkeypatch):
    def own_display(self):
        return "à sa façon"

    monkeypatch.setattr(Document, "get_kind_display", own_display)
    quick_choice_labels()

    assert Document(kind=DocumentKind.CERFA).get_kind_display() == "à sa façon"
