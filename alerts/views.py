"""Screens of the alerts: the register (filters, bulk validate / assign), "Mes alertes", the alert
page with its workflow buttons, the nightly runs and the rule settings. Staff only; thin views
over the selectors (reads, scoped) and the lifecycle services (writes)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from alerts import configuration, forms, selectors, services
from alerts.choices import OPEN_ALERT_STATUSES, AlertStatus, Severity
from alerts.models import Alert
from alternance import access
from alternance.history.selectors import history_for
from alternance.views.mixins import LenientPaginationMixin, StaffListView, StaffOnlyMixin, local_next_url, staff_only

SORT_CHOICES = (
    ("-raised", gettext_lazy("Levée le (récentes d'abord)")),
    ("raised", gettext_lazy("Levée le (anciennes d'abord)")),
    ("-severity", gettext_lazy("Gravité (critiques d'abord)")),
    ("rule", gettext_lazy("Règle")),
)


def _may(predicate, user) -> bool:
    """Role-level answer of an alert predicate (to show or refuse bulk controls before any row is chosen)."""
    return predicate(user, Alert())


def _errors(error: ValidationError) -> list[str]:
    return list(error.messages)


# --- the register ---------------------------------------------------------------------------------------

REGISTER_FILTERS = ("q", "status", "severity", "rule", "cohort", "cohort__q", "assignee", "assignee__q", "unassigned", "sort")


def register_queryset(user, params: QueryDict) -> tuple[QuerySet, forms.RegisterFilterForm]:
    """The register's alerts for the filter ``params`` (its query string), in ``user``'s scope: the
    page's list and the bulk action on « the N alerts of the filter » are this one selection."""
    # Cohort and assignee are searchable fields (issue 13 §3): the form reads the chosen ids,
    # or what was typed without JavaScript, within the user's scope.
    filter_form = forms.RegisterFilterForm(params, user=user)
    value = {name: (params.get(name) or "").strip() for name in ("q", "status", "severity", "rule", "sort")}
    return selectors.alert_list(user, **value, **filter_form.selector_filters()), filter_form


def _filter_query(params: QueryDict) -> str:
    """The register's filter as a query string (no page, no export), carried by the bulk form."""
    kept = QueryDict(mutable=True)
    for name in REGISTER_FILTERS:
        if params.get(name):
            kept[name] = params.get(name)
    return kept.urlencode()


class AlertListView(StaffListView):
    export_name = "alertes"
    export_header = tuple(gettext_lazy(h) for h in ("Règle", "Gravité", "Objet", "Intitulé", "État", "Attribuée à", "Levée le"))
    template_name = "alerts/alert_list.html"

    def export_row(self, alert) -> tuple:
        return (alert.rule_code, alert.get_severity_display(), alert.subject_label, alert.title, alert.get_status_display(),
                str(alert.assignee) if alert.assignee else "", timezone.localtime(alert.raised_at).date())
    context_object_name = "alerts"
    filter_names = ("q", "status", "severity", "rule", "cohort", "assignee", "unassigned", "sort")

    def get_queryset(self):
        queryset, self.filter_form = register_queryset(self.request.user, self.request.GET)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        can_validate, can_assign = _may(access.can_validate_alert, user), _may(access.can_assign_alert, user)
        context.update(
            status_choices=AlertStatus.choices,
            severity_choices=Severity.choices,
            rule_choices=selectors.rule_choices(),
            rule_titles=selectors.rule_titles(),
            filter_form=self.filter_form,
            bulk_form=forms.BulkActionForm(
                user=user, auto_id="id_bulk_%s",
                initial={"assignee": selectors.common_default_assignee(user, self.object_list) if can_assign else None},
            ),
            filter_query=_filter_query(self.request.GET),
            sort_choices=SORT_CHOICES,
            can_bulk=can_validate or can_assign,
            can_bulk_validate=can_validate,
            can_bulk_assign=can_assign,
            unassigned=selectors.UNASSIGNED,
        )
        return context


def _back_to_register(request: HttpRequest) -> HttpResponseRedirect:
    return redirect(local_next_url(request, reverse("alerts:alert_list")))


@require_POST
def alert_bulk(request: HttpRequest) -> HttpResponse:
    """Validate or assign the checked alerts — or every alert of the register's filter, re-evaluated
    here from the submitted filter in the user's scope — with the bulk services (a query count
    that does not grow with the selection); counts done and refused."""
    user = request.user
    staff_only(user)
    form = forms.BulkActionForm(request.POST, user=user)
    action = request.POST.get("action")
    predicate = access.can_validate_alert if action == forms.BulkActionForm.VALIDATE else access.can_assign_alert
    access.require(_may(predicate, user))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back_to_register(request)
    data = form.cleaned_data
    if data["whole_filter"]:
        alerts, _form = register_queryset(user, QueryDict(data["filter_query"]))
    else:
        alerts = data["alerts"]
    if data["action"] == forms.BulkActionForm.VALIDATE:
        outcome = services.alerts_validate_many(alerts=alerts, by=user)
        done = len(outcome.done)
        text = ngettext("%(count)d alerte validée.", "%(count)d alertes validées.", done) % {"count": done}
    elif data["action"] == forms.BulkActionForm.ASSIGN:
        outcome = services.alerts_assign_many(alerts=alerts, by=user, assignee=data["assignee"])
        done = len(outcome.done)
        text = ngettext("%(count)d alerte attribuée à %(name)s.", "%(count)d alertes attribuées à %(name)s.", done) % {
            "count": done, "name": data["assignee"]}
    else:
        outcome = services.alerts_assign_many(alerts=alerts, by=user)
        done = len(outcome.done)
        text = ngettext("%(count)d alerte attribuée à la personne suggérée.", "%(count)d alertes attribuées chacune à la personne suggérée.",
                        done) % {"count": done}
    (messages.success if done else messages.info)(request, text)
    refused = outcome.refused
    if refused:
        reasons = " ; ".join(f"n° {alert.pk} ({alert.title}) : {' '.join(errors)}" for alert, errors in refused)
        messages.warning(request, ngettext("%(count)d alerte refusée — %(reasons)s", "%(count)d alertes refusées — %(reasons)s",
                                           len(refused)) % {"count": len(refused), "reasons": reasons})
    return _back_to_register(request)


# --- "Mes alertes" --------------------------------------------------------------------------------------

class InboxView(StaffOnlyMixin, LenientPaginationMixin, ListView):
    template_name = "alerts/inbox.html"
    context_object_name = "alerts"
    paginate_by = 25

    def get_queryset(self):
        return selectors.inbox(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rule_titles"] = selectors.rule_titles()
        return context


# --- the alert page and its workflow buttons ------------------------------------------------------------

def _actions(user, alert: Alert) -> dict[str, bool]:
    """Which workflow buttons to show: the predicate of the access policy and the transition table."""
    def allowed_from(action: str) -> bool:
        return alert.status in services.TRANSITIONS[action][0]

    return {
        "can_validate": access.can_validate_alert(user, alert) and allowed_from("validate"),
        "can_assign": access.can_assign_alert(user, alert) and allowed_from("assign"),
        "can_resolve": access.can_resolve_alert(user, alert) and allowed_from("resolve"),
        "can_dismiss": access.can_validate_alert(user, alert) and allowed_from("dismiss"),
        "can_comment": access.can_comment_alert(user, alert),
    }


def _render_detail(request: HttpRequest, alert: Alert, *, bound: dict | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    bound = bound or {}
    context = {
        "alert": alert,
        **selectors.alert_related(user, alert),
        **_actions(user, alert),
        "validate_form": bound.get("validate") or forms.ValidateForm(),
        "assign_form": bound.get("assign") or forms.AssignForm(
            user=user, initial={"assignee": selectors.default_assignee(user, alert) if _may(access.can_assign_alert, user) else None},
        ),
        "resolve_form": bound.get("resolve") or forms.ReasonForm(prefix="resolve"),
        "dismiss_form": bound.get("dismiss") or forms.ReasonForm(prefix="dismiss"),
        "comment_form": bound.get("comment") or forms.CommentForm(),
        "is_open": alert.status in OPEN_ALERT_STATUSES,
        # Errors of the service that belong to no field (e.g. "modified meanwhile"), shown above the buttons.
        "action_errors": [error for form in bound.values() for error in form.non_field_errors()],
        "history": history_for(user, alert),
    }
    return render(request, "alerts/alert_detail.html", context, status=status)


def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    return _render_detail(request, selectors.alert_get(request.user, pk))


def _workflow(request: HttpRequest, pk: int, *, name: str, predicate, form_class, call, success: str, form_kwargs=None) -> HttpResponse:
    """One POST action on an alert: 404 outside the scope, 403 when not allowed, the service does the
    write; errors come back on the alert page with the typed input kept."""
    user = request.user
    staff_only(user)
    alert = selectors.alert_get(user, pk)
    if request.method != "POST":  # a reload of the action URL lands back on the page
        return redirect("alerts:alert_detail", pk=alert.pk)
    access.require(predicate(user, alert))
    form = form_class(request.POST, **(form_kwargs or {}))
    if form.is_valid():
        try:
            call(alert, user, form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, success)
            return redirect("alerts:alert_detail", pk=alert.pk)
    alert.refresh_from_db()
    return _render_detail(request, alert, bound={name: form})


def alert_validate(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow(
        request, pk, name="validate", predicate=access.can_validate_alert, form_class=forms.ValidateForm,
        call=lambda alert, user, data: services.alert_validate(alert=alert, by=user, comment=data["comment"]),
        success=_("Alerte validée."),
    )


def alert_assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow(
        request, pk, name="assign", predicate=access.can_assign_alert, form_class=forms.AssignForm,
        form_kwargs={"user": request.user},
        call=lambda alert, user, data: services.alert_assign(alert=alert, assignee=data["assignee"], by=user, comment=data["comment"]),
        success=_("Alerte attribuée."),
    )


def alert_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow(
        request, pk, name="resolve", predicate=access.can_resolve_alert, form_class=forms.ReasonForm, form_kwargs={"prefix": "resolve"},
        call=lambda alert, user, data: services.alert_resolve(alert=alert, by=user, reason=data["reason"]),
        success=_("Alerte résolue."),
    )


def alert_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow(
        request, pk, name="dismiss", predicate=access.can_validate_alert, form_class=forms.ReasonForm, form_kwargs={"prefix": "dismiss"},
        call=lambda alert, user, data: services.alert_dismiss(alert=alert, by=user, reason=data["reason"]),
        success=_("Alerte écartée."),
    )


def alert_comment(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow(
        request, pk, name="comment", predicate=access.can_comment_alert, form_class=forms.CommentForm,
        call=lambda alert, user, data: services.alert_comment(alert=alert, by=user, comment=data["comment"]),
        success=_("Commentaire ajouté."),
    )


# --- coordinator pages ----------------------------------------------------------------------------------

def _coordination_only(user) -> None:
    staff_only(user)
    access.require(access.can_manage_reference_data(user))


class NightlyRunListView(StaffOnlyMixin, LenientPaginationMixin, ListView):
    template_name = "alerts/run_list.html"
    context_object_name = "runs"
    paginate_by = 25

    def dispatch(self, request, *args, **kwargs):
        _coordination_only(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.nightly_run_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        titles = selectors.rule_titles()
        for run in context["runs"]:
            run.rule_rows = [(titles.get(code, code), values) for code, values in (run.counts or {}).items()]
        context["last_digest"] = selectors.last_digest(self.request.user)
        return context


def rule_settings(request: HttpRequest) -> HttpResponse:
    """Edit the thresholds of the rules (coordinator and admin staff)."""
    user = request.user
    _coordination_only(user)
    row = selectors.rule_settings_get(user)
    form = forms.RuleSettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        try:
            configuration.rule_settings_update(by=user, **{name: form.cleaned_data[name] for name in form.cleaned_data})
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Paramètres des alertes enregistrés : ils s'appliquent dès la prochaine vérification."))
            return redirect("alerts:rule_settings")
    return render(request, "alerts/rule_settings.html", {"form": form, "settings_row": row})
