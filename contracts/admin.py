from django.contrib import admin

from contracts.models import Contract, ContractStatusChange, Document, OpcoFile, OpcoInstalment


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
