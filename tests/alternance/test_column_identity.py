"""Column references' identity (``alternance.apps.quick_column_identity``): the very tuple Django
builds, for every field of every model and every way a column is made, without ``inspect``."""

import inspect
from unittest import mock

from django.apps import apps
from django.db import models
from django.db.models.expressions import Col, Expression

from alternance.apps import quick_column_identity
from contracts.models import Contract

ALL_FIELDS = [field for model in apps.get_models() for field in model._meta.concrete_fields]
djangos_identity = Expression.identity.func


def test_every_concrete_field_of_every_model_is_compared():
    assert len(ALL_FIELDS) > 500


def test_a_columns_identity_is_djangos_for_every_field_and_constructor_form():
    other = models.IntegerField()  # an output field without a model: Django keys it by its type
    for field in ALL_FIELDS:
        for column in (
            Col("T1", field),
            Col(None, field),
            Col("T1", field, field),
            Col("T1", field, other),
            Col("T1", field, output_field=other),
            Col(alias="T2", target=field),
        ):
            assert column.identity == djangos_identity(column), (field, column)


def test_equal_and_different_columns_compare_as_in_django():
    status, start = Contract._meta.get_field("status"), Contract._meta.get_field("start_date")
    assert Col("T1", status) == Col("T1", status)
    assert hash(Col("T1", status)) == hash(Col("T1", status, None))
    assert Col("T1", status) != Col("T2", status)
    assert Col("T1", status) != Col("T1", start)
    assert Col("T1", status) != Col("T1", status, models.IntegerField())


def test_a_subclass_with_its_own_constructor_keeps_djangos():
    class Shifted(Col):
        def __init__(self, alias, target, shift=0, output_field=None):
            super().__init__(alias, target, output_field)
            self.shift = shift

    column = Shifted("T1", Contract._meta.get_field("status"), 3)
    assert column.identity == djangos_identity(column)
    assert ("shift", 3) in column.identity


def test_compiling_an_ordered_query_binds_no_signature_for_its_columns():
    """The reason for the adjustment: ``_order_by_pairs`` hashes every selected column."""
    query = Contract.objects.select_related("company", "master").order_by("-start_date", "-pk").query
    with mock.patch.object(inspect.Signature, "bind_partial", side_effect=AssertionError("inspect")):
        sql, _params = query.get_compiler("default").as_sql()
    assert "ORDER BY" in sql


def test_installing_twice_changes_nothing():
    before = Col.__dict__["identity"]
    quick_column_identity()
    assert Col.__dict__["identity"] is before
