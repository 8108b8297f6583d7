"""Reads of the login security (issue 17 §9): the organisation's rule, who has a second factor."""

from django.core.cache import cache
from django.db.models import QuerySet
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from alternance.choices import STAFF_ROLES
from alternance.models import SecuritySettings, User

SETTINGS_CACHE_KEY = "security-settings:second-factor-roles"


def second_factor_roles() -> tuple[str, ...]:
    """The staff roles the coordinator requires a second factor of (read on every request of a staff
    account: cached, and cleared by the service that changes it)."""
    roles = cache.get(SETTINGS_CACHE_KEY)
    if roles is None:
        row = SecuritySettings.objects.filter(pk=1).first()
        roles = tuple(row.second_factor_roles) if row else ()
        cache.set(SETTINGS_CACHE_KEY, roles, 300)
    return tuple(roles)


def second_factor_required(user: User) -> bool:
    """Staff accounts of a role the coordinator listed; never an extranet account."""
    return user.role in STAFF_ROLES and user.role in second_factor_roles()


def has_second_factor(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def pending_device(user: User) -> TOTPDevice | None:
    """The device being enrolled (QR code shown, not yet confirmed by a code)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def staff_second_factor_overview() -> QuerySet:
    """The active staff accounts with ``has_second_factor`` set, for the settings screen (paginated
    there: 816 accounts at 20 000 learners made a 154 KB page, issue 18 §2)."""
    from django.db.models import Exists, OuterRef

    return (
        User.objects.filter(role__in=STAFF_ROLES, is_active=True)
        .annotate(has_second_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .order_by("role", "last_name", "first_name", "pk")
    )


def second_factor_totals(members: QuerySet) -> dict[str, int]:
    """How many of ``members`` there are, and how many have a second factor (one query)."""
    from django.db.models import Count, Q

    return members.aggregate(total=Count("pk"), with_second_factor=Count("pk", filter=Q(has_second_factor=True)))
