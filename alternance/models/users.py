from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from alternance.choices import EXTRANET_ROLES, STAFF_ROLES, Role


class UserManager(BaseUserManager):
    """Users log in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.COORDINATOR)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        # Emails are stored lowercase; the login form may receive any case.
        return self.get(**{self.model.USERNAME_FIELD: str(username).lower()})


class User(AbstractUser):
    """A person who logs in: OF staff (by role) or an apprentice / employer contact (extranet).

    An apprentice account is linked through ``Apprentice.user``; an employer account through
    ``CompanyContact.user`` (one login even for a person who is MA and HR, or at several sites).
    Django's admin site is for superusers only (``is_staff`` is kept for superusers).
    """

    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, db_index=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid"),
            models.CheckConstraint(condition=models.Q(email=models.functions.Lower("email")), name="user_email_lowercase"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").lower()
        super().save(*args, **kwargs)

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_extranet_user(self) -> bool:
        return self.role in EXTRANET_ROLES
