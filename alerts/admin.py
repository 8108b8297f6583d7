from django.contrib import admin

from alerts.models import Alert, AlertEvent, NightlyRun, RuleSettings


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "author", "created_at", "comment"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["title", "rule_code", "severity", "status", "assignee", "raised_at"]
    list_filter = ["status", "severity", "rule_code"]
    search_fields = ["title", "subject_label"]
    raw_id_fields = ["apprentice", "company", "contract", "assignee", "validated_by"]
    inlines = [AlertEventInline]


@admin.register(RuleSettings)
class RuleSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not RuleSettings.objects.exists()


@admin.register(NightlyRun)
class NightlyRunAdmin(admin.ModelAdmin):
    list_display = ["today", "status", "trigger", "started_at", "finished_at"]
    list_filter = ["status", "trigger"]
    readonly_fields = ["started_at", "finished_at", "today", "status", "trigger", "counts", "errors"]
