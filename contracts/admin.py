from django.contrib import admin

from alternance.outbox import enqueue
from contracts.models import (
    Contract,
    ContractSettings,
    ContractStatusChange,
    Document,
    DocumentBatch,
    FundingRule,
    HiringAidRule,
    OpcoFile,
    OpcoInstalment,
    OpcoReminder,
    RemunerationGrid,
    SignatureRequest,
    Signer,
    SmicRate,
)


class ContractStatusChangeInline(admin.TabularInline):
    model = ContractStatusChange
    extra = 0
    readonly_fields = ["from_status", "to_status", "changed_by", "changed_at", "comment"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["apprentice", "company", "kind", "contract_type", "status", "start_date", "end_date"]
    list_filter = ["status", "kind", "contract_type"]
    search_fields = ["apprentice__last_name", "company__name", "company__siret"]
    list_select_related = ["apprentice", "company"]
    raw_id_fields = ["apprentice", "company", "programme", "master", "second_master", "amends", "created_by"]
    inlines = [ContractStatusChangeInline]


class OpcoInstalmentInline(admin.TabularInline):
    model = OpcoInstalment
    extra = 0


@admin.register(OpcoFile)
class OpcoFileAdmin(admin.ModelAdmin):
    list_display = ["contract", "opco", "sent_date", "complete_file_date", "decision", "decision_date", "deposit_number"]
    list_filter = ["decision", "opco"]
    raw_id_fields = ["contract"]
    inlines = [OpcoInstalmentInline]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "apprentice", "contract", "company", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["sha256", "size"]
    raw_id_fields = ["apprentice", "contract", "company", "uploaded_by"]


# --- reference data an administrator extends without a release (SMIC, rates, funding rules) ---

@admin.register(SmicRate)
class SmicRateAdmin(admin.ModelAdmin):
    list_display = ["valid_from", "hourly", "monthly", "mayotte_monthly", "source"]


@admin.register(RemunerationGrid)
class RemunerationGridAdmin(admin.ModelAdmin):
    list_display = ["valid_from", "source"]


# The board's lines read the OPCO deadlines and the funding rules: a change in the administration
# has the worker recompute them, the intent committed with the change (``alternance.outbox``).
OPCO_BOARD_SETTINGS = {"opco_sending_days", "opco_sending_count", "opco_decision_days", "opco_decision_count"}


def _refresh_opco_board() -> None:
    enqueue("contracts.refresh_opco_board", kwargs={})


@admin.register(FundingRule)
class FundingRuleAdmin(admin.ModelAdmin):
    list_display = ["valid_from", "label", "per_day", "balance_claim_months", "employer_participation_amount"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _refresh_opco_board()  # the balances' claim limits

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _refresh_opco_board()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        _refresh_opco_board()


@admin.register(HiringAidRule)
class HiringAidRuleAdmin(admin.ModelAdmin):
    """The hiring aid rules (issue 15 §10): staff correct a rule or add the next decree's here."""

    list_display = ["label", "valid_from", "valid_to", "company_headcount_min", "company_headcount_max", "diploma_level_max",
                    "requires_rqth", "amount_first_year", "to_check"]
    list_filter = ["to_check", "requires_rqth"]


@admin.register(ContractSettings)
class ContractSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "opco_sending_days", "opco_sending_count", "opco_decision_days", "free_period_company_days"]

    def has_add_permission(self, request):
        return not ContractSettings.objects.exists()  # a single row

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "free_period_company_days" in form.changed_data:
            # Every contract's kept 45th company day (the OPCO board's employer participation)
            # changes: recomputed by the worker, the intent committed with the new number.
            enqueue("alternance.refresh_free_period_ends", kwargs={})
        if OPCO_BOARD_SETTINGS & set(form.changed_data):
            _refresh_opco_board()  # the sending and decision deadlines

    def has_delete_permission(self, request, obj=None):
        return False


class SignerInline(admin.TabularInline):
    model = Signer
    extra = 0
    readonly_fields = ["role", "user", "signed_at", "ip_address", "user_agent", "signed_sha256"]


@admin.register(SignatureRequest)
class SignatureRequestAdmin(admin.ModelAdmin):
    list_display = ["document", "status", "requested_by", "requested_at", "closed_at"]
    list_filter = ["status"]
    raw_id_fields = ["document", "signed_document", "requested_by", "closed_by"]
    inlines = [SignerInline]


@admin.register(OpcoReminder)
class OpcoReminderAdmin(admin.ModelAdmin):
    list_display = ["opco_file", "subject", "sent_on", "sent_by"]
    raw_id_fields = ["opco_file", "instalment", "sent_by"]


@admin.register(DocumentBatch)
class DocumentBatchAdmin(admin.ModelAdmin):
    list_display = ["cohort", "kind", "status", "done", "total", "requested_at"]
    list_filter = ["status", "kind"]
