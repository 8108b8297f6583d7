"""A searchable select (issue 13 §3) for the fields that can hold hundreds of rows.

Why a text input + htmx-fed listbox + hidden id rather than a ``<datalist>``: a datalist shows the
label but submits the text, so two homonyms (same name, other cohort) would come back as the same
string and the server would have to guess; browsers also filter and render datalists each their
own way (no group, no second line, poor screen-reader support). Here the listbox is ours (ARIA
combobox pattern, arrow keys, Enter, Escape — ``static/js/search.js``) and the form receives the
row's id, which the field still checks against the form's scoped queryset (an id outside the
user's scope is refused with a French message).

Without JavaScript the same input still works: the typed text is submitted under ``<name>__q``;
one matching row in scope is taken, none gives an error saying what to type, several come back
as radio buttons under the field to pick from (« search and pick » within the form itself).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.template import loader
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from alternance.search.selectors import parse_query
from alternance.search.sources import SOURCES, SUGGESTIONS_LIMIT


class Typed(str):
    """Text typed in a searchable field without a row chosen from the list (no JavaScript)."""


class SearchableSelect(forms.Widget):
    template_name = "search/widgets/searchable_select.html"
    input_type = "searchable"  # read by hand-written field templates (templates/alerts/includes/field.html)

    def __init__(self, *, source: str, include: tuple[str, ...] = (), attrs=None):
        super().__init__(attrs)
        self.source = source
        self.include = include  # other fields whose value narrows the list (the chosen company for an MA)
        self.field = None  # set by SearchableModelChoiceField

    def _render(self, template_name, context, renderer=None):
        # The project's templates (templates/search/…), whatever the form renderer.
        return mark_safe(loader.render_to_string(template_name, context))  # noqa: S308 — a rendered template

    def value_from_datadict(self, data, files, name):
        chosen = data.get(name) or ""
        if chosen:
            return chosen
        text = " ".join(str(data.get(f"{name}__q") or "").split())
        return Typed(text) if text else ""

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}__q" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        text, chosen, matches = "", "", []
        if isinstance(value, Typed):
            text = str(value)
            matches = self.field.suggestions(text) if self.field is not None else []
        elif value not in (None, "") and self.field is not None:
            row = self.field.find(value)
            if row is not None:
                text, chosen = self.field.source.label(row), row.pk
        widget = context["widget"]
        widget_id = widget["attrs"].get("id") or f"id_{name}"
        widget.update(
            text=text, chosen=chosen, matches=matches, listbox_id=f"{widget_id}_listbox",
            url=reverse("search:choices", args=[self.source]),
            include=", ".join(f"[name='{other}']" for other in self.include),
            placeholder=self.field.source.placeholder if self.field is not None else "",
        )
        return context


class SearchableModelChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` shown as a searchable select; the form sets its ``queryset`` (scoped)."""

    default_error_messages = {
        "invalid_choice": _("Ce choix ne fait pas partie de ceux qui vous sont ouverts : tapez quelques lettres "
                            "et choisissez une ligne de la liste."),
        "ambiguous": _("Plusieurs lignes correspondent à « %(text)s » : choisissez la bonne dans la liste sous le champ."),
    }

    def __init__(self, *, source: str, queryset, include: tuple[str, ...] = (), **kwargs):
        self.source = SOURCES[source]
        kwargs.setdefault("widget", SearchableSelect(source=source, include=include))
        super().__init__(queryset=queryset, **kwargs)
        self.widget.field = self

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.field = result
        return result

    def find(self, value):
        try:
            return self.queryset.filter(pk=int(value)).first()
        except (TypeError, ValueError):
            return None

    def matching(self, text: str):
        return self.source.match(self.queryset, parse_query(text))

    def suggestions(self, text: str) -> list[tuple[int, str]]:
        return [(row.pk, self.source.label(row)) for row in self.matching(text)[:SUGGESTIONS_LIMIT]]

    def to_python(self, value):
        if isinstance(value, Typed):
            rows = list(self.matching(value)[:2])
            if not rows:
                raise ValidationError(self.source.not_found, code="not_found", params={"text": value})
            if len(rows) > 1:
                raise ValidationError(self.error_messages["ambiguous"], code="ambiguous", params={"text": value})
            return rows[0]
        return super().to_python(value)



class ListFilterForm(forms.Form):
    """The searchable filters of a list page (GET): a cohort among hundreds, a CRE among a hundred
    and more. A ``<select>`` of every cohort cost a list page at 20 000 learners 13 of its 29 ms and
    50 KB (issue 18 §2); here the page renders one field, the choices come as one types. The list
    reads ``chosen_ids()``: the id picked (checked against ``queryset``, the user's scope), or the
    one row matching what was typed without JavaScript; an id outside the scope, an unknown or an
    ambiguous text filters nothing and says why under the field."""

    def __init__(self, data, *, fields: dict[str, tuple[str, object, str]]):
        super().__init__(data)
        for name, (source, queryset, label) in fields.items():
            self.fields[name] = SearchableModelChoiceField(
                source=source, queryset=queryset, required=False, label=label,
                widget=SearchableSelect(source=source, attrs={"class": "form-control"}),
            )

    def chosen_ids(self) -> dict[str, int | None]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: (data[name].pk if data.get(name) else None) for name in self.fields}


def cohort_filter_form(data, user, *, name: str = "cohort", cohorts=None) -> ListFilterForm:
    """A list's « Promotion » filter: among the cohorts ``user`` sees (or ``cohorts``, narrower)."""
    queryset = SOURCES["promotions"].rows(user, {}) if cohorts is None else cohorts.select_related("programme")
    return ListFilterForm(data, fields={name: ("promotions", queryset, _("Promotion"))})


def cre_filter_form(data, user, *, name: str = "owner") -> ListFilterForm:
    """A list's « CRE référent·e » filter: among the active CREs ``user`` sees (146 at 20 000 learners)."""
    return ListFilterForm(data, fields={name: ("cres", SOURCES["cres"].rows(user, {}), _("CRE référent·e"))})
