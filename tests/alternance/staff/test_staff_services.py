"""Staff accounts services (issue 13): create with an emailed link to choose the password, edit and
change the role (refused while the account holds what its role carries), deactivate (never oneself
nor the last active coordinator) and reactivate, hand alerts and cohorts over — all re-read from
the database, nothing half-written when refused."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from alerts.choices import AlertStatus
from alerts.models import Alert, AlertEvent
from alternance.choices import Role
from alternance.extranet import invitations
from alternance.models import Cohort, Invitation, User
from alternance.staff import services
from companies.models import Company
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import (
    AdminStaffFactory,
    ApprenticeUserFactory,
    CohortFactory,
    CoordinatorFactory,
    CreFactory,
    TutorFactory,
)
from tests.factories.companies import CompanyFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)
TODAY = date(2026, 11, 25)
LINK = re.compile(r"https?://\S+/invitation/([A-Za-z0-9_\-]+)/")


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def coordinator():
    return CoordinatorFactory(email="claire.coord@cfa.test", first_name="Claire", last_name="Coord")


def new_member(**overrides) -> dict:
    data = {"email": "Nina.Nouvelle@CFA.test", "first_name": " Nina ", "last_name": "Nouvelle", "role": Role.CRE, "phone": "06 12 34 56 78"}
    data.update(overrides)
    return data


def fields_of(user: User) -> tuple:
    user.refresh_from_db()
    return (user.email, user.first_name, user.last_name, user.phone, user.role, user.is_active)


# --- create ------------------------------------------------------------------------------------------

def test_create_makes_an_active_account_without_password_and_emails_the_link_after_the_commit(
    coordinator, django_capture_on_commit_callbacks, celery_eager,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        member = services.staff_member_create(by=coordinator, **new_member())
    assert mail.outbox == []  # nothing leaves before the commit

    for callback in callbacks:
        callback()

    assert fields_of(member) == ("nina.nouvelle@cfa.test", "Nina", "Nouvelle", "06 12 34 56 78", Role.CRE, True)
    assert member.has_usable_password() is False
    invitation = Invitation.objects.get(user=member)
    assert (invitation.invited_by_id, invitation.used_at, invitation.revoked_at) == (coordinator.pk, None, None)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert (email.to, email.subject) == (["nina.nouvelle@cfa.test"], "Votre compte sur l'application alternance")
    assert "Claire Coord vous a créé un compte sur l'application alternance du centre de formation, avec le rôle « Chargé·e de relations entreprises »." in email.body
    assert LINK.search(email.body)


def test_the_emailed_link_lets_the_new_member_choose_its_password(coordinator, django_capture_on_commit_callbacks, celery_eager):
    with django_capture_on_commit_callbacks(execute=True):
        member = services.staff_member_create(by=coordinator, **new_member())
    token = LINK.search(mail.outbox[0].body).group(1)

    invitations.invitation_accept(token=token, password1="Carillon-vert-2026!", password2="Carillon-vert-2026!")

    member.refresh_from_db()
    assert (member.is_active, member.role, member.check_password("Carillon-vert-2026!")) == (True, Role.CRE, True)


@pytest.mark.parametrize("role", [Role.APPRENTICE, Role.EMPLOYER, "", "superviseur"])
def test_create_refuses_a_role_outside_the_team(coordinator, role):
    with pytest.raises(ValidationError) as error:
        services.staff_member_create(by=coordinator, **new_member(role=role))

    assert error.value.message_dict == {"role": [
        "Choisissez un rôle de l'équipe : responsable alternance, CRE, formateur·rice référent·e ou équipe administrative."
    ]}
    assert list(User.objects.values_list("email", flat=True)) == ["claire.coord@cfa.test"]


def test_create_refuses_an_address_already_used_by_a_staff_account_whatever_its_case(
    coordinator, django_capture_on_commit_callbacks, celery_eager,
):
    existing = TutorFactory(email="nina.nouvelle@cfa.test", first_name="Nina", last_name="Ancienne", is_active=False)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        services.staff_member_create(by=coordinator, **new_member(email="NINA.Nouvelle@cfa.TEST"))

    assert error.value.message_dict == {"email": [
        "L'adresse nina.nouvelle@cfa.test est déjà celle du compte de Nina Ancienne (Formateur·rice référent·e, désactivé). "
        "Ouvrez ce compte pour le modifier ou le réactiver, ou saisissez une autre adresse."
    ]}
    assert set(User.objects.values_list("pk", flat=True)) == {coordinator.pk, existing.pk}
    assert (Invitation.objects.count(), mail.outbox) == (0, [])


def test_create_refuses_the_address_of_an_extranet_account_naming_it(coordinator):
    ApprenticeUserFactory(email="lea.martin@mail.test", first_name="Léa", last_name="Martin")

    with pytest.raises(ValidationError) as error:
        services.staff_member_create(by=coordinator, **new_member(email="Lea.Martin@mail.test"))

    assert error.value.message_dict == {"email": [
        "L'adresse lea.martin@mail.test est déjà celle du compte extranet de Léa Martin (Apprenti·e) : un compte de l'équipe "
        "doit avoir sa propre adresse. Saisissez une autre adresse e-mail."
    ]}


def test_create_requires_the_names_and_the_address():
    with pytest.raises(ValidationError) as error:
        services.staff_member_create(by=CoordinatorFactory(), **new_member(first_name=" ", last_name="", email=""))

    assert set(error.value.message_dict) == {"first_name", "last_name", "email"}
    assert error.value.message_dict["first_name"] == ["Indiquez le prénom de la personne."]


@pytest.mark.parametrize("factory", [AdminStaffFactory, CreFactory, TutorFactory, ApprenticeUserFactory])
def test_only_the_coordinator_creates_staff_accounts(factory):
    with pytest.raises(PermissionDenied):
        services.staff_member_create(by=factory(), **new_member())

    assert not User.objects.filter(email="nina.nouvelle@cfa.test").exists()


# --- edit and role change ------------------------------------------------------------------------------

def test_update_changes_names_address_phone_and_role(coordinator):
    member = TutorFactory(email="t.ancien@cfa.test")

    services.staff_member_update(
        member=member, by=coordinator, today=TODAY, email="Tom.Nouveau@CFA.test", first_name="Tom", last_name="Nouveau",
        phone="01 02 03 04 05", role=Role.ADMIN_STAFF,
    )

    assert fields_of(member) == ("tom.nouveau@cfa.test", "Tom", "Nouveau", "01 02 03 04 05", Role.ADMIN_STAFF, True)


def test_update_keeps_its_own_address_in_another_case_but_refuses_another_accounts(coordinator):
    member = CreFactory(email="cre.un@cfa.test", first_name="Un", last_name="Cre")
    CreFactory(email="cre.deux@cfa.test", first_name="Deux", last_name="Cre")

    services.staff_member_update(member=member, by=coordinator, today=TODAY, email="CRE.UN@cfa.test", first_name="Un",
                                 last_name="Cre", role=Role.CRE)
    with pytest.raises(ValidationError) as error:
        services.staff_member_update(member=member, by=coordinator, today=TODAY, email="Cre.Deux@cfa.test", first_name="Un",
                                     last_name="Cre", role=Role.CRE)

    assert error.value.message_dict["email"][0].startswith("L'adresse cre.deux@cfa.test est déjà celle du compte de Deux Cre (")
    assert fields_of(member)[0] == "cre.un@cfa.test"


def test_a_cre_with_a_portfolio_keeps_its_role_until_the_portfolio_is_reassigned(coordinator):
    cre, other = CreFactory(), CreFactory()
    companies = [CompanyFactory(owner_cre=cre), CompanyFactory(owner_cre=cre)]
    change = {"member": cre, "by": coordinator, "today": TODAY, "email": cre.email, "first_name": cre.first_name,
              "last_name": cre.last_name, "role": Role.TUTOR}

    with pytest.raises(ValidationError) as error:
        services.staff_member_update(**change)

    assert error.value.message_dict == {"role": [
        "Ce compte est encore le ou la CRE de 2 entreprises : réaffectez-les depuis la fiche du compte avant de changer son rôle."
    ]}
    assert fields_of(cre)[4] == Role.CRE

    from companies.services import portfolio_reassign

    portfolio_reassign(companies=companies, to_cre=other, by=coordinator)
    services.staff_member_update(**change)

    assert fields_of(cre)[4] == Role.TUTOR
    assert list(Company.objects.filter(owner_cre=other).values_list("pk", flat=True).order_by("pk")) == [c.pk for c in companies]


def test_a_tutor_of_a_running_cohort_keeps_its_role_but_an_ended_cohort_does_not_hold_it(coordinator):
    tutor = TutorFactory()
    running = CohortFactory(referent_tutor=tutor, start_date=date(2026, 9, 1), end_date=date(2026, 11, 25))
    change = {"member": tutor, "by": coordinator, "email": tutor.email, "first_name": tutor.first_name,
              "last_name": tutor.last_name, "role": Role.ADMIN_STAFF}

    with pytest.raises(ValidationError) as error:
        services.staff_member_update(today=TODAY, **change)

    assert error.value.message_dict == {"role": [
        "Ce compte est encore le ou la référent·e de 1 promotion en cours : réaffectez-la depuis la fiche du compte avant de changer son rôle."
    ]}
    # The day after its end, the cohort keeps its tutor as history and no longer holds the role.
    services.staff_member_update(today=date(2026, 11, 26), **change)
    assert fields_of(tutor)[4] == Role.ADMIN_STAFF
    assert Cohort.objects.get(pk=running.pk).referent_tutor_id == tutor.pk


def test_an_account_with_open_alerts_does_not_become_coordinator_who_receives_none(coordinator):
    cre = CreFactory()
    AlertFactory(status=AlertStatus.ASSIGNED, assignee=cre)
    AlertFactory(status=AlertStatus.RESOLVED, assignee=cre, resolved_at=NOW)

    with pytest.raises(ValidationError) as error:
        services.staff_member_update(member=cre, by=coordinator, today=TODAY, email=cre.email, first_name="A", last_name="B",
                                     role=Role.COORDINATOR)

    assert error.value.message_dict == {"role": [
        "Ce compte a encore 1 alerte ouverte qui lui est attribuée, et ce rôle n'en reçoit pas : réaffectez-la depuis la fiche du compte."
    ]}
    assert fields_of(cre)[4] == Role.CRE


def test_the_coordinator_does_not_change_its_own_role_and_the_last_one_is_told_what_to_do(coordinator):
    change = {"member": coordinator, "by": coordinator, "today": TODAY, "email": coordinator.email, "first_name": "Claire",
              "last_name": "Coord", "role": Role.ADMIN_STAFF}

    with pytest.raises(ValidationError) as alone:
        services.staff_member_update(**change)
    CoordinatorFactory()
    with pytest.raises(ValidationError) as with_another:
        services.staff_member_update(**change)

    assert alone.value.message_dict == {"role": [
        "Claire Coord est le dernier compte de responsable alternance actif : créez ou réactivez d'abord un autre compte de "
        "responsable alternance, puis changez son rôle."
    ]}
    assert with_another.value.message_dict == {"role": [
        "Vous ne pouvez pas changer votre propre rôle : un·e autre responsable alternance peut le faire."
    ]}
    assert fields_of(coordinator)[4] == Role.COORDINATOR


def test_an_extranet_account_is_not_edited_as_a_staff_account(coordinator):
    apprentice = ApprenticeUserFactory()

    with pytest.raises(ValidationError):
        services.staff_member_update(member=apprentice, by=coordinator, today=TODAY, email=apprentice.email, first_name="A",
                                     last_name="B", role=Role.CRE)

    assert fields_of(apprentice)[4] == Role.APPRENTICE


# --- deactivate, reactivate, invite again ----------------------------------------------------------------

def test_deactivating_closes_the_account_keeps_what_it_holds_and_revokes_its_pending_link(
    coordinator, django_capture_on_commit_callbacks, celery_eager,
):
    with django_capture_on_commit_callbacks(execute=True):
        cre = services.staff_member_create(by=coordinator, **new_member())
    token = LINK.search(mail.outbox[0].body).group(1)
    company = CompanyFactory(owner_cre=cre)
    alert = AlertFactory(status=AlertStatus.ASSIGNED, assignee=cre)

    services.staff_member_deactivate(member=cre, by=coordinator)

    assert fields_of(cre)[5] is False
    assert (Company.objects.get(pk=company.pk).owner_cre_id, Alert.objects.get(pk=alert.pk).assignee_id) == (cre.pk, cre.pk)
    assert Invitation.objects.get(user=cre).revoked_at == NOW
    with pytest.raises(invitations.InvitationGone):
        invitations.invitation_accept(token=token, password1="Carillon-vert-2026!", password2="Carillon-vert-2026!")
    assert fields_of(cre)[5] is False


def test_deactivating_twice_says_it_is_already_done(coordinator):
    cre = CreFactory()
    services.staff_member_deactivate(member=cre, by=coordinator)

    with pytest.raises(ValidationError) as error:
        services.staff_member_deactivate(member=cre, by=coordinator)

    assert error.value.messages == ["Ce compte est déjà désactivé : rechargez la page pour voir son état actuel."]


def test_the_coordinator_never_deactivates_itself_and_the_last_coordinator_stays(coordinator):
    with pytest.raises(ValidationError) as alone:
        services.staff_member_deactivate(member=coordinator, by=coordinator)
    other = CoordinatorFactory(first_name="Odile", last_name="Autre")
    with pytest.raises(ValidationError) as itself:
        services.staff_member_deactivate(member=coordinator, by=coordinator)

    assert alone.value.messages == [
        "Claire Coord est le dernier compte de responsable alternance actif : créez ou réactivez d'abord un autre compte de "
        "responsable alternance, puis désactivez celui-ci."
    ]
    assert itself.value.messages == ["Vous ne pouvez pas désactiver votre propre compte : un·e autre responsable alternance peut le faire."]
    assert (fields_of(coordinator)[5], fields_of(other)[5]) == (True, True)


def test_another_coordinator_may_be_deactivated_while_one_stays_active(coordinator):
    other = CoordinatorFactory()

    services.staff_member_deactivate(member=other, by=coordinator)

    assert list(User.objects.filter(role=Role.COORDINATOR, is_active=True).values_list("pk", flat=True)) == [coordinator.pk]


@pytest.mark.parametrize("factory", [AdminStaffFactory, CreFactory, TutorFactory])
def test_only_the_coordinator_deactivates(factory):
    member = CreFactory()

    with pytest.raises(PermissionDenied):
        services.staff_member_deactivate(member=member, by=factory())

    assert fields_of(member)[5] is True


def test_reactivating_reopens_the_account_once(coordinator):
    cre = CreFactory(is_active=False)

    services.staff_member_reactivate(member=cre, by=coordinator)
    with pytest.raises(ValidationError) as again:
        services.staff_member_reactivate(member=cre, by=coordinator)

    assert fields_of(cre)[5] is True
    assert again.value.messages == ["Ce compte est déjà actif : rechargez la page pour voir son état actuel."]


def test_inviting_again_replaces_the_link_only_for_an_active_account_without_password(
    coordinator, django_capture_on_commit_callbacks, celery_eager,
):
    with django_capture_on_commit_callbacks(execute=True):
        member = services.staff_member_create(by=coordinator, **new_member())
        second = services.staff_member_invite(member=member, by=coordinator)

    assert [i.pk for i in Invitation.objects.filter(user=member, revoked_at__isnull=True)] == [second.pk]
    assert len(mail.outbox) == 2 and mail.outbox[1].subject == "Votre compte sur l'application alternance"

    with_password = CreFactory()
    with pytest.raises(ValidationError) as has_password:
        services.staff_member_invite(member=with_password, by=coordinator)
    services.staff_member_deactivate(member=member, by=coordinator)
    with pytest.raises(ValidationError) as inactive:
        services.staff_member_invite(member=member, by=coordinator)

    assert has_password.value.messages == [
        "Ce compte a déjà un mot de passe : si la personne l'a perdu, elle utilise « Mot de passe oublié ? » sur la page de connexion."
    ]
    assert inactive.value.messages == ["Ce compte est désactivé : réactivez-le avant de renvoyer l'invitation."]


# --- handing over ------------------------------------------------------------------------------------------

def test_alerts_are_handed_over_through_the_alert_lifecycle_with_a_history_row(coordinator):
    leaving, taking = CreFactory(first_name="Léo", last_name="Part"), CreFactory(first_name="Ana", last_name="Reste")
    first = AlertFactory(status=AlertStatus.ASSIGNED, assignee=leaving)
    second = AlertFactory(status=AlertStatus.ASSIGNED, assignee=leaving)
    already = AlertFactory(status=AlertStatus.ASSIGNED, assignee=taking)

    moved = services.staff_alerts_reassign(alerts=[first, second, already], assignee=taking, by=coordinator)

    assert moved == 2
    assert list(Alert.objects.order_by("pk").values_list("pk", "assignee_id", "status")) == [
        (first.pk, taking.pk, AlertStatus.ASSIGNED), (second.pk, taking.pk, AlertStatus.ASSIGNED), (already.pk, taking.pk, AlertStatus.ASSIGNED),
    ]
    assert list(AlertEvent.objects.filter(alert=first).values_list("author_id", "from_status", "to_status", "comment")) == [
        (coordinator.pk, AlertStatus.ASSIGNED, AlertStatus.ASSIGNED, "Réaffectée : Léo Part → Ana Reste."),
    ]


def test_a_hand_over_with_an_alert_closed_meanwhile_changes_nothing(coordinator):
    leaving, taking = CreFactory(), CreFactory()
    open_alert = AlertFactory(status=AlertStatus.ASSIGNED, assignee=leaving)
    closed = AlertFactory(status=AlertStatus.RESOLVED, assignee=leaving, resolved_at=NOW)

    with pytest.raises(ValidationError):
        services.staff_alerts_reassign(alerts=[open_alert, closed], assignee=taking, by=coordinator)

    assert list(Alert.objects.order_by("pk").values_list("assignee_id", flat=True)) == [leaving.pk, leaving.pk]
    assert not AlertEvent.objects.exists()


def test_cohorts_go_to_an_active_tutor_only(coordinator):
    leaving, taking = TutorFactory(), TutorFactory()
    cohorts = [CohortFactory(referent_tutor=leaving), CohortFactory(referent_tutor=leaving)]

    for target in (CreFactory(), TutorFactory(is_active=False)):
        with pytest.raises(ValidationError) as error:
            services.cohorts_reassign_referent(cohorts=cohorts, to_tutor=target, by=coordinator)
        assert error.value.message_dict == {"to_tutor": ["Choisissez un compte actif de formateur·rice référent·e."]}
    assert set(Cohort.objects.values_list("referent_tutor_id", flat=True)) == {leaving.pk}

    moved = services.cohorts_reassign_referent(cohorts=cohorts, to_tutor=taking, by=coordinator)

    assert moved == 2
    assert set(Cohort.objects.values_list("referent_tutor_id", flat=True)) == {taking.pk}


def test_only_the_coordinator_hands_cohorts_over():
    leaving, taking = TutorFactory(), TutorFactory()
    cohort = CohortFactory(referent_tutor=leaving)

    with pytest.raises(PermissionDenied):
        services.cohorts_reassign_referent(cohorts=[cohort], to_tutor=taking, by=AdminStaffFactory())

    assert Cohort.objects.get(pk=cohort.pk).referent_tutor_id == leaving.pk
