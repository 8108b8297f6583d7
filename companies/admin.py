from django.contrib import admin

from companies.models import Company, CompanyContact, Interaction, Offer, Placement, PlacementEvent


class CompanyContactInline(admin.TabularInline):
    model = CompanyContact
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "siret", "naf_code", "idcc", "opco", "city", "owner_cre", "sensitive"]
    list_filter = ["opco", "sensitive", "is_public", "archived_at"]
    search_fields = ["name", "siret", "city"]
    list_select_related = ["owner_cre"]
    raw_id_fields = ["archived_by"]
    inlines = [CompanyContactInline]


@admin.register(CompanyContact)
class CompanyContactAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "company", "is_employer_representative", "is_master", "is_hr"]
    search_fields = ["last_name", "first_name", "email", "company__name"]
    list_select_related = ["company"]
    raw_id_fields = ["company", "user"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["company", "kind", "outcome", "occurred_at", "author", "next_follow_up"]
    list_filter = ["kind", "outcome"]
    list_select_related = ["company", "author"]
    raw_id_fields = ["company", "contact", "apprentice", "author"]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["company", "programme", "places", "start_date", "status"]
    list_filter = ["status", "programme"]
    raw_id_fields = ["company", "created_by"]


class PlacementEventInline(admin.TabularInline):
    model = PlacementEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "by", "at", "comment"]


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    list_display = ["apprentice", "company", "status", "proposed_on", "decided_on"]
    list_filter = ["status"]
    raw_id_fields = ["apprentice", "company", "offer", "contract", "created_by"]
    inlines = [PlacementEventInline]
