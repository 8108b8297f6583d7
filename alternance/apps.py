from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What an empty choice reads in every select of the product, instead of Django's « --------- ».
EMPTY_CHOICE_LABEL = _("Choisissez…")


def french_empty_choices() -> None:
    """Every form's empty choice reads « Choisissez… » (issue 14 §6).

    Django writes « --------- » in two places that no setting reaches: the blank choice of a model
    field with choices (the ``BLANK_CHOICE_DASH`` list, bound as a default argument, so it is
    changed in place) and the ``empty_label`` default of ``ModelChoiceField``. Changing them once
    here covers every form, crispy or not, without a mixin on each form class.
    """
    from django.db.models import fields
    from django.forms import models as form_models

    fields.BLANK_CHOICE_DASH[:] = [("", EMPTY_CHOICE_LABEL)]
    form_models.ModelChoiceField.__init__.__kwdefaults__["empty_label"] = EMPTY_CHOICE_LABEL


def french_decimal_input() -> None:
    """Amounts are typed the French way (issue 14 §6): « 7 500 », « 7 500,50 », « 7500.50 » all read
    as 7500.50, and a saved amount comes back in the field as « 7500,50 ».

    Every form ``DecimalField`` (those of model forms included) is localised — Django then renders
    a text input instead of ``type=number`` (which refuses spaces and commas in browsers) and reads
    the decimal comma — and the spaces people put between thousands (normal, non-breaking or narrow)
    are removed before the number is read. Done once here rather than on each amount field.
    """
    import re

    from django import forms

    if getattr(forms.DecimalField, "_reads_french", False):
        return
    original_init, original_to_python = forms.DecimalField.__init__, forms.DecimalField.to_python
    thousands = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d)")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("localize", True)
        original_init(self, *args, **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value):
        if isinstance(value, str):
            value = thousands.sub("", value.strip())
        return original_to_python(self, value)

    forms.DecimalField.__init__, forms.DecimalField.to_python = __init__, to_python
    forms.DecimalField._reads_french = True


# The product's own apps (their models get ``quick_choice_labels``; Django's and third parties' keep theirs).
PRODUCT_APPS = ("alternance", "companies", "contracts", "alerts")


def quick_choice_labels() -> None:
    """Every ``get_FOO_display`` of the product's models reads its label from a map built once per
    field (issue 18 §2).

    Django's own builds ``dict(make_hashable(field.flatchoices))`` on each call: that hashes every
    label of the field's choices, and hashing a lazy label translates it — 35 to 70 µs a call, 4 ms
    on a list of 25 contracts showing three of them, 1 ms of an extranet home. The map is built once
    (the choices are fixed lists in ``choices.py``), keeps the labels lazy (each call still reads
    the request's language) and answers as Django does: the value's label, or the value itself when
    it has none. A model that writes its own ``get_FOO_display`` keeps it.
    """
    from functools import partialmethod

    from django.apps import apps
    from django.utils.encoding import force_str
    from django.utils.hashable import make_hashable

    def display(self, *, field, labels):
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)

    for model in apps.get_models():
        if model._meta.app_label not in PRODUCT_APPS:
            continue
        for field in model._meta.concrete_fields:
            name = f"get_{field.name}_display"
            if not field.choices or not isinstance(model.__dict__.get(name), partialmethod):
                continue
            labels = {make_hashable(value): label for value, label in field.flatchoices}
            setattr(model, name, partialmethod(display, field=field, labels=labels))


def quick_column_identity() -> None:
    """A column reference (``Col``) knows its identity without ``inspect`` (issue 18 §2).

    Since Django 5.0 the SQL compiler hashes every selected column when it reads the ORDER BY
    (``SQLCompiler._order_by_pairs``), and ``Expression.identity`` binds the constructor's
    signature with ``inspect`` for each: 40 columns of a contract read with its company and
    people cost 0,2 ms of its 1,2 ms of compilation, on every ordered query of every page. A
    column's constructor is fixed (alias, target, output field), so its identity is built directly,
    the very tuple Django builds (``tests/alternance/test_column_identity.py`` compares both on every
    field of every model); a subclass with its own constructor keeps Django's.
    """
    from django.db.models.expressions import Col, Expression
    from django.utils.functional import cached_property

    if getattr(Col, "_quick_identity", False):
        return
    djangos = Expression.identity.func

    def identity(self):
        if type(self).__init__ is not Col.__init__:
            return djangos(self)
        args, kwargs = self._constructor_args
        bound = dict(zip(("alias", "target", "output_field"), args, strict=False), **kwargs)
        known = self._identity
        return (
            self.__class__,
            ("alias", known(bound["alias"])),
            ("target", known(bound["target"])),
            ("output_field", known(bound.get("output_field"))),
        )

    quick = cached_property(identity)
    quick.__set_name__(Col, "identity")
    Col.identity = quick
    Col._quick_identity = True


class AlternanceConfig(AppConfig):
    name = "alternance"
    verbose_name = _("Alternance")

    def ready(self) -> None:
        french_empty_choices()
        french_decimal_input()
        quick_choice_labels()
        quick_column_identity()
        # The second factor gate knows from the login on whether a staff account has a device.
        from django.contrib.auth.signals import user_logged_in

        from alternance.accounts.middleware import on_login

        user_logged_in.connect(on_login, dispatch_uid="alternance.second_factor_on_login")
        # History of changes (issue 13 §4): the logged models, and the label of changes no person made.
        from auditlog.models import LogEntry
        from celery.signals import task_postrun, task_prerun
        from django.db.models.signals import pre_save

        from alternance.history import registry, services

        registry.register_models()
        pre_save.connect(services.prepare_entry, sender=LogEntry, dispatch_uid="history_system_label")
        task_prerun.connect(services.task_started, dispatch_uid="history_task_started", weak=False)
        task_postrun.connect(services.task_finished, dispatch_uid="history_task_finished", weak=False)
        # A merge of duplicates (issue 13 §3) is written to the history of both records.
        from alternance.merges.signals import record_merged

        record_merged.connect(services.merge_received, dispatch_uid="history_record_merged", weak=False)
