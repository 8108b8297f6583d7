"""Staff accounts screens (issue 13): the team list with what each account holds, create and edit
forms that keep the input and say in French how to fix it, deactivate / reactivate, and the
hand-over of a departed account's companies, open alerts and cohorts — permission matrices over
the roles, query counts, values re-read from the database."""

import itertools
import re
from datetime import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.choices import AlertStatus
from alerts.models import Alert
from alternance.choices import Role
from alternance.models import Cohort, Invitation, User
from companies.models import Company
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import AdminStaffFactory, CohortFactory, CreFactory, TutorFactory
from tests.factories.companies import CompanyFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

ROLES = ["coordinator", "admin_staff", "cre", "tutor", "apprentice", "employer", "anonymous"]


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(datetime(2026, 11, 25, 10, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


def login_as(client, world, role):
    user = None if role == "anonymous" else world.user(role)
    if user is not None:
        client.force_login(user)
    return user


def status_of(response) -> int | str:
    if response.status_code == 302 and "/connexion/" in response["Location"]:
        return "login"
    return response.status_code


def member_post(**overrides) -> dict:
    data = {"first_name": "Nina", "last_name": "Nouvelle", "email": "nina.nouvelle@cfa.test", "phone": "06 12 34 56 78", "role": Role.CRE}
    data.update(overrides)
    return data


RULES = itertools.count()


def alert_for(assignee, apprentice, **fields) -> Alert:
    """An open alert assigned to ``assignee`` about an apprentice of the world (no new cohort, so no new
    tutor account; one rule code each: one open alert per rule and subject)."""
    fields.setdefault("status", AlertStatus.ASSIGNED)
    return AlertFactory(apprentice=apprentice, assignee=assignee, rule_code=f"test.rule_{next(RULES)}", **fields)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- who opens what ---------------------------------------------------------------------------------

PAGES = {
    "list": ({"coordinator": 200, "admin_staff": 200}, lambda w: reverse("staff:staff_list")),
    "create": ({"coordinator": 200}, lambda w: reverse("staff:staff_create")),
    "detail": ({"coordinator": 200, "admin_staff": 200}, lambda w: reverse("staff:staff_detail", args=[w.b.cre.pk])),
    "edit": ({"coordinator": 200}, lambda w: reverse("staff:staff_edit", args=[w.b.cre.pk])),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_who_opens_the_team_pages(client, world, page, role):
    opens, url = PAGES[page]
    login_as(client, world, role)

    expected = "login" if role == "anonymous" else opens.get(role, 403)
    assert status_of(client.get(url(world))) == expected


def test_an_extranet_account_or_an_unknown_id_is_not_a_team_page(client, world):
    client.force_login(world.coordinator)

    for pk in (world.a.apprentice_user.pk, world.a.employer_user.pk, 999_999):
        assert client.get(reverse("staff:staff_detail", args=[pk])).status_code == 404
        assert client.post(reverse("staff:staff_deactivate", args=[pk])).status_code == 404
    assert User.objects.get(pk=world.a.apprentice_user.pk).is_active is True


ACTIONS = {
    "deactivate": lambda w: (reverse("staff:staff_deactivate", args=[w.b.cre.pk]), {}),
    "reassign_companies": lambda w: (reverse("staff:staff_reassign_companies", args=[w.b.cre.pk]),
                                     {"companies": [w.b.company.pk], "to_cre": w.a.cre.pk}),
    "reassign_cohorts": lambda w: (reverse("staff:staff_reassign_cohorts", args=[w.b.tutor.pk]),
                                   {"cohorts": [w.b.cohort.pk], "to_tutor": w.a.tutor.pk}),
    "create": lambda w: (reverse("staff:staff_create"), member_post()),
    "edit": lambda w: (reverse("staff:staff_edit", args=[w.b.cre.pk]), member_post(email=w.b.cre.email)),
}


def _state(world) -> tuple:
    return (
        User.objects.get(pk=world.b.cre.pk).is_active, User.objects.get(pk=world.b.cre.pk).first_name,
        Company.objects.get(pk=world.b.company.pk).owner_cre_id, Cohort.objects.get(pk=world.b.cohort.pk).referent_tutor_id,
        User.objects.filter(email="nina.nouvelle@cfa.test").exists(),
    )


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", [r for r in ROLES if r != "coordinator"])
def test_only_the_coordinator_acts_and_the_others_change_nothing(client, world, role, action):
    before = _state(world)
    url, data = ACTIONS[action](world)
    login_as(client, world, role)

    response = client.post(url, data)

    assert status_of(response) == ("login" if role == "anonymous" else 403)
    assert _state(world) == before


@pytest.mark.parametrize("action", list(ACTIONS))
def test_the_coordinators_actions_go_through(client, world, action):
    url, data = ACTIONS[action](world)
    client.force_login(world.coordinator)

    response = client.post(url, data)

    assert response.status_code == 302
    changed = dict(zip(("active", "first_name", "owner", "tutor", "created"), _state(world), strict=True))
    expected = {
        "deactivate": ("active", False), "reassign_companies": ("owner", world.a.cre.pk), "reassign_cohorts": ("tutor", world.a.tutor.pk),
        "create": ("created", True), "edit": ("first_name", "Nina"),
    }[action]
    assert changed[expected[0]] == expected[1]


def test_the_coordinator_cannot_deactivate_its_own_account_from_the_page(client, world):
    client.force_login(world.coordinator)

    page = client.get(reverse("staff:staff_detail", args=[world.coordinator.pk]))
    response = client.post(reverse("staff:staff_deactivate", args=[world.coordinator.pk]))

    assert "Confirmer la désactivation" not in page.content.decode()
    assert "un·e autre responsable alternance peut le désactiver" in text_of(page)
    assert response.status_code == 403
    assert User.objects.get(pk=world.coordinator.pk).is_active is True


# --- the list -----------------------------------------------------------------------------------------

def rows(response) -> list[tuple]:
    return [(m.email, m.role, m.is_active, m.portfolio_count, m.open_alerts_count, m.cohorts_count) for m in response.context["members"]]


def test_the_list_shows_each_staff_account_with_what_it_holds(client, world):
    alert_for(world.a.cre, world.a.apprentice)
    alert_for(world.a.cre, world.a.apprentice)
    alert_for(world.a.cre, world.a.apprentice, status=AlertStatus.RESOLVED, resolved_at=datetime(2026, 11, 20, tzinfo=PARIS))
    CompanyFactory(owner_cre=world.a.cre, archived_at=datetime(2026, 10, 1, tzinfo=PARIS), archived_reason="Fermée")
    CohortFactory(referent_tutor=world.a.tutor, start_date=datetime(2024, 9, 1).date(), end_date=datetime(2026, 6, 30).date())
    client.force_login(world.admin_staff)

    response = client.get(reverse("staff:staff_list"))

    assert rows(response) == [
        ("cre-a@example.test", Role.CRE, True, 2, 2, 0),
        ("tuteur-a@example.test", Role.TUTOR, True, 0, 0, 1),
        ("administratif@example.test", Role.ADMIN_STAFF, True, 0, 0, 0),
        ("cre-b@example.test", Role.CRE, True, 1, 0, 0),
        ("tuteur-b@example.test", Role.TUTOR, True, 0, 0, 1),
        ("coordination@example.test", Role.COORDINATOR, True, 0, 0, 0),
    ]
    html = response.content.decode()
    assert f'href="{reverse("staff:staff_detail", args=[world.a.cre.pk])}#entreprises">2</a>' in html
    assert "Nouveau compte" not in html  # admin staff read only


def test_the_list_filters_by_role_state_and_name_or_address(client, world):
    client.force_login(world.coordinator)
    client.post(reverse("staff:staff_deactivate", args=[world.b.cre.pk]))
    url = reverse("staff:staff_list")

    def emails(**params):
        return [m.email for m in client.get(url, params).context["members"]]

    assert emails(role="cre") == ["cre-a@example.test", "cre-b@example.test"]
    assert emails(status="inactive") == ["cre-b@example.test"]
    assert emails(status="active", role="cre") == ["cre-a@example.test"]
    assert emails(q="TUTEUR-B@") == ["tuteur-b@example.test"]
    assert emails(q="claire coord") == ["coordination@example.test"]
    assert emails(role="apprentice") == emails()  # not a team role: ignored, never lists extranet accounts
    assert "apprenti-a@example.test" not in emails()


def test_the_list_is_paginated(client, world):
    for n in range(25):
        TutorFactory(email=f"tuteur{n:02}@example.test", last_name=f"Zed{n:02}")
    client.force_login(world.coordinator)

    first = client.get(reverse("staff:staff_list"))
    second = client.get(reverse("staff:staff_list"), {"page": 2})

    assert (len(first.context["members"]), first.context["paginator"].count) == (25, 31)
    assert [m.email for m in second.context["members"]] == [f"tuteur{n:02}@example.test" for n in range(19, 25)]


def _with_holdings(factory, world):
    member = factory()
    if member.role == Role.CRE:
        CompanyFactory(owner_cre=member)
    if member.role == Role.TUTOR:
        CohortFactory(referent_tutor=member)
    alert_for(member, world.a.apprentice)
    return member


def test_the_list_query_count_does_not_grow_with_the_rows(client, world):
    client.force_login(world.coordinator)
    url = reverse("staff:staff_list")
    with CaptureQueriesContext(connection) as one:
        response = client.get(url, {"role": "admin_staff"})
    assert len(response.context["members"]) == 1
    with CaptureQueriesContext(connection) as all_six:
        client.get(url)

    for _ in range(3):
        _with_holdings(AdminStaffFactory, world)
        _with_holdings(CreFactory, world)
        _with_holdings(TutorFactory, world)
    with CaptureQueriesContext(connection) as four:
        response = client.get(url, {"role": "admin_staff"})
    assert len(response.context["members"]) == 4
    with CaptureQueriesContext(connection) as all_fifteen:
        response = client.get(url)
    assert len(response.context["members"]) == 15

    assert len(four) == len(one)
    assert len(all_fifteen) == len(all_six)


def test_the_account_page_query_count_does_not_grow_with_what_it_holds(client, world):
    client.force_login(world.coordinator)
    url = reverse("staff:staff_detail", args=[world.a.cre.pk])
    alert_for(world.a.cre, world.a.apprentice)
    with CaptureQueriesContext(connection) as one:
        client.get(url)

    for _ in range(3):
        CompanyFactory(owner_cre=world.a.cre)
        alert_for(world.a.cre, world.a.apprentice)
    with CaptureQueriesContext(connection) as four:
        response = client.get(url)

    assert (len(response.context["holdings"].companies), len(response.context["holdings"].alerts)) == (4, 4)
    assert len(four) == len(one)


# --- create and edit ------------------------------------------------------------------------------------

def test_the_coordinator_creates_an_account_that_receives_its_link(client, world, django_capture_on_commit_callbacks, celery_eager):
    client.force_login(world.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("staff:staff_create"), member_post(email="Nina.Nouvelle@CFA.test"), follow=True)

    member = User.objects.get(email="nina.nouvelle@cfa.test")
    assert response.redirect_chain == [(reverse("staff:staff_detail", args=[member.pk]), 302)]
    assert (member.first_name, member.last_name, member.phone, member.role, member.is_active, member.has_usable_password()) == (
        "Nina", "Nouvelle", "06 12 34 56 78", Role.CRE, True, False,
    )
    assert "Compte de Nina Nouvelle créé. Un e-mail part à nina.nouvelle@cfa.test avec le lien pour choisir son mot de passe." in text_of(response)
    assert "invitation envoyée le 25/11/2026" in text_of(response)
    assert [m.to for m in mail.outbox] == [["nina.nouvelle@cfa.test"]]


def test_the_role_list_offers_the_team_roles_only(client, world):
    client.force_login(world.coordinator)

    response = client.get(reverse("staff:staff_create"))

    assert [value for value, _ in response.context["form"].fields["role"].choices] == ["", "coordinator", "cre", "tutor", "admin_staff"]
    refused = client.post(reverse("staff:staff_create"), member_post(role=Role.APPRENTICE))
    assert "Choisissez un rôle de l&#x27;équipe dans la liste." in refused.content.decode()
    assert not User.objects.filter(email="nina.nouvelle@cfa.test").exists()


def test_an_address_already_used_is_refused_naming_the_account_and_the_input_is_kept(client, world):
    client.force_login(world.coordinator)

    response = client.post(reverse("staff:staff_create"), member_post(email="CRE-B@example.test", phone="07 30 00 00 01"))

    html = text_of(response)
    assert response.status_code == 200
    assert ("L&#x27;adresse cre-b@example.test est déjà celle du compte de Cre B (Chargé·e de relations entreprises, actif). "
            "Ouvrez ce compte pour le modifier ou le réactiver, ou saisissez une autre adresse.") in html
    assert f'href="{reverse("staff:staff_detail", args=[world.b.cre.pk])}">Ouvrir le compte de Cre B</a>' in html
    assert 'value="Nina"' in html and 'value="07 30 00 00 01"' in html and 'value="CRE-B@example.test"' in html
    assert list(User.objects.filter(role=Role.CRE).values_list("email", flat=True).order_by("email")) == ["cre-a@example.test", "cre-b@example.test"]
    assert not Invitation.objects.exists()


def test_the_address_of_an_extranet_account_is_refused_without_a_link_to_it(client, world):
    client.force_login(world.coordinator)

    response = client.post(reverse("staff:staff_create"), member_post(email="apprenti-a@example.test"))

    assert "est déjà celle du compte extranet de" in response.content.decode()
    assert "Ouvrir le compte de" not in response.content.decode()


def test_a_role_change_refused_says_what_to_reassign_and_keeps_the_input(client, world):
    client.force_login(world.coordinator)
    url = reverse("staff:staff_edit", args=[world.a.cre.pk])

    response = client.post(url, member_post(email="cre-a@example.test", first_name="Camille", role=Role.TUTOR))

    assert ("Ce compte est encore le ou la CRE de 1 entreprise : réaffectez-la depuis la fiche du compte avant de changer son rôle."
            in response.content.decode())
    assert 'value="Camille"' in response.content.decode()
    cre = User.objects.get(pk=world.a.cre.pk)
    assert (cre.first_name, cre.role) == ("Cre", Role.CRE)


def test_the_edit_form_opens_with_the_accounts_values_and_saves_them(client, world):
    client.force_login(world.coordinator)
    url = reverse("staff:staff_edit", args=[world.a.tutor.pk])
    assert client.get(url).context["form"].initial == {
        "first_name": "Tuteur", "last_name": "A", "email": "tuteur-a@example.test", "phone": "", "role": Role.TUTOR,
    }

    response = client.post(url, member_post(email="Tuteur-A@example.test", first_name="Théo", phone="01 00 00 00 00", role=Role.TUTOR))

    assert response.status_code == 302
    tutor = User.objects.get(pk=world.a.tutor.pk)
    assert (tutor.first_name, tutor.last_name, tutor.email, tutor.phone, tutor.role) == (
        "Théo", "Nouvelle", "tuteur-a@example.test", "01 00 00 00 00", Role.TUTOR,
    )


# --- deactivation and hand-over ---------------------------------------------------------------------------

def test_after_deactivation_the_page_lists_what_to_reassign_with_the_right_successors(client, world):
    alert = alert_for(world.a.cre, world.a.apprentice, title="Relance OPCO en retard")
    third_cre = CreFactory(first_name="Zoé", last_name="Trois")
    CreFactory(first_name="Ina", last_name="Active", is_active=False)
    client.force_login(world.coordinator)

    response = client.post(reverse("staff:staff_deactivate", args=[world.a.cre.pk]), follow=True)

    assert response.redirect_chain == [(reverse("staff:staff_detail", args=[world.a.cre.pk]) + "#a-reaffecter", 302)]
    assert User.objects.get(pk=world.a.cre.pk).is_active is False
    html = text_of(response)
    assert "Compte de Cre A désactivé : il ne peut plus se connecter. Réaffectez ci-dessous ce qu&#x27;il suivait encore." in html
    assert "À réaffecter" in html and "1 entreprise en portefeuille" in html and "1 alerte ouverte attribuée" in html
    assert [c.name for c in response.context["holdings"].companies] == ["Boulangerie Alpha"]
    assert [a.pk for a in response.context["holdings"].alerts] == [alert.pk]
    assert f'name="companies" value="{world.a.company.pk}" id="entreprise-{world.a.company.pk}" checked' in html
    assert list(response.context["companies_form"].fields["to_cre"].queryset) == [world.b.cre, third_cre]
    assert list(response.context["alerts_form"].fields["assignee"].queryset) == sorted(
        [world.admin_staff, world.b.cre, world.a.tutor, world.b.tutor, third_cre], key=lambda u: (u.last_name, u.first_name, u.email),
    )
    assert "cohorts_form" not in response.context  # a CRE refers no cohort


def test_the_hand_over_keeps_the_ticks_when_no_one_is_chosen_then_moves_the_portfolio(client, world):
    second = CompanyFactory(owner_cre=world.a.cre, name="Charpente Delta")
    client.force_login(world.coordinator)
    client.post(reverse("staff:staff_deactivate", args=[world.a.cre.pk]))
    url = reverse("staff:staff_reassign_companies", args=[world.a.cre.pk])

    refused = client.post(url, {"companies": [second.pk]})

    html = text_of(refused)
    assert "Choisissez le ou la CRE qui reprend ces entreprises." in html
    assert f'value="{second.pk}" id="entreprise-{second.pk}" checked' in html
    assert f'value="{world.a.company.pk}" id="entreprise-{world.a.company.pk}">' in html  # left unticked
    assert set(Company.objects.filter(owner_cre=world.a.cre).values_list("pk", flat=True)) == {world.a.company.pk, second.pk}

    done = client.post(url, {"companies": [world.a.company.pk, second.pk], "to_cre": world.b.cre.pk}, follow=True)

    assert "2 entreprises réaffectées à Cre B." in text_of(done)
    assert set(Company.objects.filter(owner_cre=world.b.cre).values_list("name", flat=True)) == {
        "Boulangerie Alpha", "Charpente Delta", "Garage Bêta",
    }
    assert done.context["holdings"].is_empty


def test_a_company_outside_the_accounts_portfolio_cannot_be_slipped_in(client, world):
    client.force_login(world.coordinator)

    response = client.post(reverse("staff:staff_reassign_companies", args=[world.a.cre.pk]),
                           {"companies": [world.b.company.pk], "to_cre": world.a.cre.pk})

    assert "Une entreprise cochée n&#x27;est plus dans ce portefeuille : rechargez la page." in response.content.decode()
    assert Company.objects.get(pk=world.b.company.pk).owner_cre_id == world.b.cre.pk


def test_open_alerts_and_cohorts_are_handed_over_from_the_page(client, world):
    alerts = [alert_for(world.a.tutor, world.a.apprentice) for _ in range(2)]
    client.force_login(world.coordinator)
    client.post(reverse("staff:staff_deactivate", args=[world.a.tutor.pk]))

    to_admin = client.post(reverse("staff:staff_reassign_alerts", args=[world.a.tutor.pk]),
                           {"alerts": [a.pk for a in alerts], "assignee": world.admin_staff.pk}, follow=True)
    to_tutor = client.post(reverse("staff:staff_reassign_cohorts", args=[world.a.tutor.pk]),
                           {"cohorts": [world.a.cohort.pk], "to_tutor": world.b.tutor.pk}, follow=True)

    assert "2 alertes attribuées à Adèle Admin." in text_of(to_admin)
    assert "1 promotion confiée à Tuteur B." in text_of(to_tutor)
    assert set(Alert.objects.filter(pk__in=[a.pk for a in alerts]).values_list("assignee_id", "status")) == {
        (world.admin_staff.pk, AlertStatus.ASSIGNED),
    }
    assert Cohort.objects.get(pk=world.a.cohort.pk).referent_tutor_id == world.b.tutor.pk
    assert "Ce compte ne suit aucune entreprise, aucune alerte ouverte ni aucune promotion en cours." in text_of(to_tutor)


def test_admin_staff_read_an_accounts_page_without_any_action(client, world):
    alert_for(world.a.cre, world.a.apprentice)
    client.force_login(world.admin_staff)

    response = client.get(reverse("staff:staff_detail", args=[world.a.cre.pk]))

    html = response.content.decode()
    assert "Boulangerie Alpha" in html and "1 alerte ouverte attribuée" in text_of(response)
    for action in ("Modifier le compte", "Désactiver le compte", "Réaffecter les entreprises cochées", "Attribuer les alertes cochées",
                   'type="checkbox"'):
        assert action not in html


def test_reactivation_and_a_new_invitation_from_the_page(client, world, django_capture_on_commit_callbacks, celery_eager):
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff:staff_create"), member_post())
    member = User.objects.get(email="nina.nouvelle@cfa.test")
    client.post(reverse("staff:staff_deactivate", args=[member.pk]))

    reactivated = client.post(reverse("staff:staff_reactivate", args=[member.pk]), follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(reverse("staff:staff_invite", args=[member.pk]), follow=True)

    assert "Compte de Nina Nouvelle réactivé : il peut de nouveau se connecter." in text_of(reactivated)
    assert "Invitation renvoyée à nina.nouvelle@cfa.test : le lien précédent ne fonctionne plus." in text_of(invited)
    assert User.objects.get(pk=member.pk).is_active is True
    assert (Invitation.objects.filter(user=member).count(), Invitation.objects.filter(user=member, revoked_at__isnull=True).count()) == (2, 1)
    assert len(mail.outbox) == 2


def test_the_emailed_link_opens_a_page_for_a_team_member_not_for_the_extranet(client, world, django_capture_on_commit_callbacks, celery_eager):
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff:staff_create"), member_post())
    client.logout()
    link = re.search(r"https?://[^/\s]+(/invitation/\S+/)", mail.outbox[0].body).group(1)

    page = text_of(client.get(link))

    assert "Votre compte de l'équipe alternance a été créé avec l'adresse <strong>nina.nouvelle@cfa.test</strong>." in page
    assert "extranet" not in page
