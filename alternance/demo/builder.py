"""Creates the planned demo organisation in the database: people, catalogue, companies, learners, contracts.

Objects are built in memory and written with ``bulk_create`` (see the package docstring for why
this bypasses the services). Follow-up records (OPCO, attendance, visits, CRM, alerts) are in
:mod:`alternance.demo.followup`.
"""

import random
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from functools import cache

from django.contrib.auth.hashers import make_password
from django.db import models
from django.utils.text import slugify

from alternance.choices import DiplomaCode, ExitReason, Nationality, Role, SituationBeforeContract
from alternance.demo import reference as ref
from alternance.demo.dates import add_months, between
from alternance.demo.identifiers import ine_for, la_poste_siret, nir_for, random_siren, siret_for
from alternance.demo.plan import SECTOR_CYCLE, ApprenticePlan, ContractPlan, OrganisationPlan, masters_needed
from alternance.french import de
from alternance.models import Apprentice, Cohort, CompetenceBlock, Programme, Site, User
from alternance.phones import check_phone
from alternance.validators import uai_check_letter
from companies.choices import EmployerType
from companies.models import Company, CompanyContact
from companies.opco import known_idccs, opco_for_idcc
from contracts.choices import ContractKind, ContractStatus
from contracts.models import Contract
from contracts.salary import holds_pro_qualification

BATCH_SIZE = 2000
DEMO_PASSWORD = "demo"
COORDINATOR_EMAIL = "coordination@demo.test"
DEMO_EXIT_REASONS = (ExitReason.DROPOUT, ExitReason.NO_EMPLOYER, ExitReason.REORIENTATION, ExitReason.EMPLOYMENT, ExitReason.PERSONAL)
LA_POSTE_INDEX = 3  # a "services" company in SECTOR_CYCLE: shows the SIRET exception of La Poste
PRO_MIN_TRAINING_HOURS = 150  # contrat pro: at least 150 h of training (L6325-13; ContractRules.pro_min_training_hours)


def bulk(model: type[models.Model], objects: list) -> list:
    """bulk_create in batches; the returned objects carry their primary keys (PostgreSQL, SQLite ≥ 3.35)."""
    return model.objects.bulk_create(objects, batch_size=BATCH_SIZE)


def deca_number(contract: ContractPlan) -> str:
    """Registration number given by the OPCO (DECA): département(3) + year + month + 2 chars + 4 digits."""
    return f"069{contract.start:%Y%m}NC{contract.params.get('sequence', 0) % 10000:04d}"



@cache
def _allocated_first_pairs(head: str) -> list[int]:
    """The pairs after ``head`` that start an allocated block of metropolitan France's numbering
    plan, whatever the six digits after (the same check as the forms and the Tableau de bord export;
    06 90 to 06 97 are overseas blocks, allocated only in part)."""
    return [
        pair for pair in range(100)
        if all(check_phone(f"{head}{pair:02d}{tail}").ok and check_phone(f"{head}{pair:02d}{tail}").number.country_code == 33
               for tail in ("000000", "999999", "505050"))
    ]

class OrganisationBuilder:
    """Writes the people, catalogue, companies, apprentices and contracts of an OrganisationPlan."""

    def __init__(self, *, plan: OrganisationPlan, rng: random.Random, today: date) -> None:
        self.plan, self.rng, self.today = plan, rng, today
        # Hashing is deliberately slow: hash once and share the hash between every demo account.
        self.password_hash = make_password(DEMO_PASSWORD)
        self.idccs = set(known_idccs())
        self.users: dict[str, list[User]] = {}
        self.companies: list[Company] = []
        self.contacts: list[CompanyContact] = []
        self.masters: list[list[CompanyContact]] = []
        self.contracts: list[Contract] = []

    # --- people ---------------------------------------------------------------------------------
    def person(self, sex: str | None = None) -> tuple[str, str, str]:
        sex = sex or self.rng.choice("MF")
        first = self.rng.choice(ref.MALE_FIRST_NAMES if sex == "M" else ref.FEMALE_FIRST_NAMES)
        return sex, first, self.rng.choice(ref.LAST_NAMES)

    def phone(self, mobile: bool = True) -> str:
        """An allocated number (the Tableau de bord refuses 07 00 to 07 29, 04 00 to 04 09…): a
        first pair outside the allocated blocks is moved into them, with the same draws as
        before, so the rest of the demo is unchanged."""
        head = self.rng.choice(("06", "07")) if mobile else "04"
        pairs = [self.rng.randint(0, 99) for _ in range(4)]
        allocated = _allocated_first_pairs(head)
        if pairs[0] not in allocated:
            pairs[0] = allocated[pairs[0] % len(allocated)]
        return " ".join([head] + [f"{pair:02d}" for pair in pairs])

    def address(self) -> str:
        return f"{self.rng.randint(1, 180)} {self.rng.choice(ref.STREETS)}"

    def user(self, email: str, role: str, first: str | None = None, last: str | None = None) -> User:
        if first is None:
            _, first, last = self.person()
        return User(email=email, role=role, first_name=first, last_name=last, password=self.password_hash)

    def create_staff(self) -> None:
        """Coordinator, CREs, tutors and admin staff: the first of each role is the documented demo login."""
        staff = {
            Role.COORDINATOR: [COORDINATOR_EMAIL],
            Role.CRE: ["cre@demo.test"] + [f"cre{i}@demo.test" for i in range(2, self.plan.n_cres + 1)],
            Role.TUTOR: ["tuteur@demo.test"] + [f"tuteur{i}@demo.test" for i in range(2, self.plan.n_tutors + 1)],
            Role.ADMIN_STAFF: ["administratif@demo.test", "administratif2@demo.test"],
        }
        for role, emails in staff.items():
            self.users[role] = bulk(User, [self.user(email, role) for email in emails])

    # --- catalogue ------------------------------------------------------------------------------
    def create_training(self) -> None:
        programmes = bulk(Programme, [
            Programme(
                title=spec.title, short_title=spec.short_title, rncp_code=spec.rncp_code, cfd_code=spec.cfd_code,
                diploma_code=spec.diploma_code, level=spec.level, duration_months=spec.duration_months,
                training_hours=spec.training_hours,
            )
            for spec in ref.PROGRAMMES
        ])
        bulk(CompetenceBlock, [
            CompetenceBlock(programme=programme, code=f"{programme.rncp_code}BC{number:02d}", title=title, order=number)
            for programme in programmes
            for number, title in enumerate(ref.COMPETENCE_BLOCKS.get(programme.rncp_code, ()), start=1)
        ])
        sites = bulk(Site, [
            Site(name=spec.name, uai=spec.uai_digits + uai_check_letter(spec.uai_digits),
                 siret=siret_for(ref.OF_SIREN, spec.nic_prefix), address=spec.address, postal_code=spec.postal_code, city=spec.city)
            for spec in ref.SITES
        ])
        # Places: the planned learners plus a margin (admissions enrol one more in a running cohort).
        sizes = {c.index: 0 for c in self.plan.cohorts}
        for apprentice in self.plan.apprentices:
            sizes[apprentice.cohort.index] += 1
        tutors = self.users[Role.TUTOR]
        cohorts = bulk(Cohort, [
            Cohort(
                programme=programmes[c.programme_index], name=c.name, start_date=c.start, end_date=c.end,
                exams_end_date=c.exams_end, referent_tutor=tutors[c.tutor_index],
                rhythm_label=c.spec.rhythm[0], rhythm_pattern=c.spec.rhythm[1],
                site=sites[c.index % len(sites)], capacity=max(12, -(-(sizes[c.index] + 2) // 4) * 4),
            )
            for c in self.plan.cohorts
        ])
        for cohort_plan, cohort in zip(self.plan.cohorts, cohorts, strict=True):
            cohort_plan.obj = cohort

    # --- companies and their contacts -----------------------------------------------------------
    def assign_companies(self) -> list[int]:
        """Place each contract at a company of a matching sector; big companies take several apprentices."""
        n = self.plan.n_companies
        by_sector: dict[str, list[int]] = {sector: [] for sector in ref.SECTORS}
        for index in range(n):
            by_sector[SECTOR_CYCLE[index % len(SECTOR_CYCLE)]].append(index)
        counts = [0] * n
        for sequence, contract in enumerate(self.plan.contracts):
            contract.params = {**contract.params, "sequence": sequence}
            if contract.params.get("demo") and sequence == 0:
                index = 0  # the demo apprentice's employer is the demo employer's company
            else:
                candidates = by_sector[contract.sector]
                index = candidates[int(len(candidates) * self.rng.random() ** 1.8)]
                if contract.previous is not None and index == contract.previous.company_index:
                    index = candidates[(candidates.index(index) + 1) % len(candidates)]
            contract.company_index, contract.master_slot = index, counts[index] // 2
            counts[index] += 1
        return counts

    def _headcount(self, contracts: int) -> int:
        band = self.rng.choices([(3, 10), (11, 49), (50, 249), (250, 2000)], weights=[35, 35, 20, 10])[0]
        return max(self.rng.randint(*band), contracts * 4)

    def _company(self, index: int, contracts: int, used_sirens: set[str]) -> Company:
        rng = self.rng
        sector = ref.SECTORS[SECTOR_CYCLE[index % len(SECTOR_CYCLE)]]
        city, postal_code, _ = rng.choice(ref.PLACES)
        name = rng.choice(sector.name_patterns).format(name=rng.choice(ref.LAST_NAMES), city=city, de_city=de(city))
        naf = rng.choice(sector.naf_codes)
        # IDCCs come from the IDCC → OPCO mapping so that every demo company gets its OPCO.
        idcc = next((code for code in rng.sample(sector.idccs, len(sector.idccs)) if code in self.idccs), None)
        idcc = idcc or rng.choice(sorted(self.idccs))
        if index == LA_POSTE_INDEX:
            siret, name, naf = la_poste_siret(rng), f"La Poste — Plateforme de services courrier {de(city)}", "5310Z"
        else:
            while (siren := random_siren(rng)) in used_sirens:
                continue
            used_sirens.add(siren)
            siret = siret_for(siren, rng.randint(1, 60))
        headcount = 120 if index == 0 else self._headcount(contracts)
        employer_type = EmployerType.TRADES_REGISTER if naf in ref.SECTORS["trades"].naf_codes else EmployerType.RCS
        if name.startswith("Cabinet"):
            employer_type = EmployerType.LIBERAL
        sensitive = index != 0 and rng.random() < 0.05
        company = Company(
            siret=siret, name=name, employer_type=employer_type, naf_code=naf, idcc=idcc, opco=opco_for_idcc(idcc),
            headcount=headcount, address=self.address(), postal_code=postal_code, city=city, phone=self.phone(mobile=False),
            email=f"contact@{slugify(name)[:40].strip('-')}.demo.test",
            owner_cre=self.users[Role.CRE][index % self.plan.n_cres],
            sensitive=sensitive,
            sensitive_reason=rng.choice((
                "Trois ruptures en deux ans, maître d'apprentissage souvent absent.",
                "Relances nombreuses pour les documents du contrat.",
                "Tensions signalées par les apprenti·es lors des visites.",
            )) if sensitive else "",
        )
        company.sector_key = SECTOR_CYCLE[index % len(SECTOR_CYCLE)]
        return company

    def _contact(self, company: Company, *, representative: bool = False, master: bool = False, hr: bool = False) -> CompanyContact:
        rng = self.rng
        _, first, last = self.person()
        domain = company.email.split("@", 1)[1]
        contact = CompanyContact(
            company=company, first_name=first, last_name=last,
            email=f"{slugify(first)}.{slugify(last)}@{domain}", phone=self.phone(),
            is_employer_representative=representative, is_master=master, is_hr=hr,
        )
        if master:
            sector = ref.SECTORS[company.sector_key]
            age = rng.randint(28, 58)
            contact.birth_date = between(rng, add_months(self.today, -12 * (age + 1)), add_months(self.today, -12 * age))
            contact.job_title = rng.choice(sector.master_jobs)
            contact.highest_diploma, contact.diploma_level = rng.choice(sector.master_diplomas)
            contact.experience_years = rng.randint(3, age - 22)
            contact.eligibility_statement = True
        elif representative:
            contact.job_title = rng.choice(ref.REPRESENTATIVE_JOBS)
        else:
            contact.job_title = rng.choice(ref.HR_JOBS)
        return contact

    def create_companies(self) -> None:
        counts = self.assign_companies()
        used_sirens: set[str] = set()
        self.companies = bulk(Company, [self._company(i, counts[i], used_sirens) for i in range(self.plan.n_companies)])
        contacts: list[CompanyContact] = []
        for index, company in enumerate(self.companies):
            small = company.headcount < 11
            n_masters = masters_needed(counts[index]) if counts[index] else 0
            if not small or n_masters == 0:
                contacts.append(self._contact(company, representative=True))
            masters = [self._contact(company, master=True, representative=small and m == 0) for m in range(n_masters)]
            contacts.extend(masters)
            if company.headcount >= 50:
                contacts.append(self._contact(company, hr=True))
            self.masters.append(masters)
        # The demo employer login is the maître d'apprentissage of the demo apprentice (company 0, slot 0).
        demo_master = self.masters[0][0]
        employer = bulk(User, [self.user("employeur@demo.test", Role.EMPLOYER, demo_master.first_name, demo_master.last_name)])[0]
        self.users[Role.EMPLOYER] = [employer]
        demo_master.user = employer
        self.contacts = bulk(CompanyContact, contacts)

    # --- apprentices and contracts --------------------------------------------------------------
    def _apprentice(self, plan: ApprenticePlan) -> Apprentice:
        rng, spec = self.rng, plan.cohort.spec
        sex, first, last = self.person()
        age = rng.randint(*spec.ages)
        training_start = plan.training_start
        birth = between(rng, add_months(training_start, -12 * (age + 1)) + timedelta(days=1), add_months(training_start, -12 * age))
        enrolment = training_start if plan.params.get("enrolled_days_ago") else training_start - timedelta(days=rng.randint(5, 100))
        department, commune = rng.choice(ref.BIRTH_PLACES)
        city, postal_code, _ = rng.choice(ref.PLACES)
        nationality = Nationality.FRENCH
        if department == "99":
            nationality = rng.choice([Nationality.EU, Nationality.NON_EU])
        minor = age < 18
        apprentice = Apprentice(
            last_name=last, first_name=first, sex=sex, birth_date=birth, birth_department=department, birth_commune=commune,
            nationality=nationality, address=self.address(), postal_code=postal_code, city=city, phone=self.phone(),
            email=f"{slugify(first)}.{slugify(last)}.{plan.index}@apprentis.demo.test",
            ine=ine_for(plan.index, rng) if rng.random() < 0.7 else "",
            situation_before_contract=SituationBeforeContract.JOBSEEKER if spec.short_title.startswith("TP") else (
                SituationBeforeContract.STUDENT if spec.level >= 6 else SituationBeforeContract.SCHOOL
            ),
            # Cerfa "dernière classe / année suivie": 01 = last year of the previous cycle completed.
            last_class="01",
            last_diploma_prepared=spec.previous_diploma, highest_diploma=spec.previous_diploma if rng.random() < 0.9 else DiplomaCode.NONE,
            cohort=plan.cohort.obj, enrolment_date=enrolment, training_start_date=training_start,
            exclusion_date=plan.exclusion, status=plan.status, status_since=plan.status_since,
            # A reason for each learner who left (picked by its index: the random stream stays the same).
            exit_reason=DEMO_EXIT_REASONS[plan.index % len(DEMO_EXIT_REASONS)] if plan.exclusion else "",
        )
        if rng.random() < 0.03:
            apprentice.rqth, apprentice.rqth_date = True, between(rng, birth + timedelta(days=3650), enrolment)
        if minor:  # a non-emancipated minor needs a legal representative on the Cerfa
            _, rep_first, _ = self.person()
            apprentice.legal_representative_name = f"{rep_first} {last}"
            apprentice.legal_representative_address = f"{apprentice.address}, {postal_code} {city}"
            apprentice.legal_representative_phone = self.phone()
            apprentice.legal_representative_email = f"{slugify(rep_first)}.{slugify(last)}@parents.demo.test"
        if plan.index % 40 == 3:  # a few learners gave their NIR (stored encrypted)
            apprentice.set_nir(nir_for(sex, birth, department, rng))
        return apprentice

    def create_apprentices(self) -> None:
        objects = [self._apprentice(plan) for plan in self.plan.apprentices]
        demo = objects[0]
        demo.email = "apprenti@demo.test"
        user = bulk(User, [self.user("apprenti@demo.test", Role.APPRENTICE, demo.first_name, demo.last_name)])[0]
        self.users[Role.APPRENTICE] = [user]
        demo.user = user
        for plan, apprentice in zip(self.plan.apprentices, bulk(Apprentice, objects), strict=True):
            plan.obj = apprentice

    def _salary(self, contract: ContractPlan, apprentice: Apprentice, kind: str) -> Decimal:
        """First-year minimum salary: % of the SMIC in force at the start by age (domain §2.1, §6); a
        professionalisation contract pays more to a learner holding a bac pro or a vocational title of
        the same level or above (D6325-15)."""
        birth = apprentice.birth_date
        smic = next((amount for day, amount in reversed(ref.SMIC_MONTHLY) if day <= contract.start), ref.SMIC_MONTHLY[0][1])
        age = (contract.start - birth).days // 365
        if kind == ContractKind.PROFESSIONALISATION:
            # D6325-15: a bac pro or a vocational title of the same level, not a general or technological bac.
            qualified = holds_pro_qualification(apprentice.highest_diploma)
            rate = (65 if qualified else 55) if age < 21 else (80 if qualified else 70) if age < 26 else 100
        else:
            rate = 27 if age < 18 else 43 if age < 21 else 53 if age < 26 else 100
        return (smic * rate / 100).quantize(Decimal("0.01"), rounding=ROUND_CEILING)

    def create_contracts(self) -> None:
        rng, admin = self.rng, self.users[Role.ADMIN_STAFF][0]
        objects = []
        for plan in self.plan.apprentices:
            cohort, spec = plan.cohort, plan.cohort.spec
            for contract in plan.contracts:
                kind = ContractKind.PROFESSIONALISATION if spec.short_title.startswith("TP") and rng.random() < 0.3 else ContractKind.APPRENTICESHIP
                practical = min(contract.start + timedelta(days=rng.randint(0, 10)), contract.rupture_date or contract.end)
                training_hours, branch_agreement = spec.training_hours, False
                if kind == ContractKind.PROFESSIONALISATION:
                    # A contrat pro's training is 15 to 25 % of its length, 150 h at least (L6325-13):
                    # 20 % of the contract's hours on 1 607 h a year; its length is 6 to 12 months, up to
                    # 24 under a branch agreement (L6325-11, L6325-12) — the demo's digital branch has one.
                    days = (contract.end - contract.start).days + 1
                    training_hours = max(PRO_MIN_TRAINING_HOURS, round(Decimal(days) / 365 * 1607 * Decimal("0.2")))
                    branch_agreement = add_months(contract.start, 12) <= contract.end
                objects.append(Contract(
                    kind=kind, apprentice=plan.obj, company=self.companies[contract.company_index],
                    programme=cohort.obj.programme, master=self.masters[contract.company_index][contract.master_slot],
                    status=contract.status, contract_type=contract.contract_type,
                    previous_contract_number=deca_number(contract.previous) if contract.previous else "",
                    signature_date=contract.signature, start_date=contract.start, practical_training_start_date=practical,
                    end_date=contract.end, training_start_date=max(cohort.start, contract.start), exams_end_date=cohort.exams_end,
                    training_hours=training_hours, weekly_hours=Decimal("35"), daily_hours=Decimal("7"),
                    pro_branch_agreement=branch_agreement,
                    gross_monthly_salary=self._salary(contract, plan.obj, kind),
                    pension_fund=rng.choice(ref.PENSION_FUNDS),
                    # Cerfa n° 10103*12 (issue 15 §7): signed where the employer is, with the
                    # supporting documents attested once signed (no random draw: the stream stays).
                    signature_place=self.companies[contract.company_index].city if contract.signature else "",
                    employer_holds_documents=contract.signature is not None,
                    rupture_date=contract.rupture_date, rupture_kind=contract.rupture_kind,
                    rupture_initiative=contract.rupture_initiative, dismissal_ground=contract.dismissal_ground,
                    mediator_referral_date=contract.mediator_referral, employer_informed_date=contract.employer_informed,
                    rupture_cause=rng.choice(ref.RUPTURE_CAUSES) if contract.status == ContractStatus.BROKEN else "",
                    created_by=admin,
                ))
        self.contracts = bulk(Contract, objects)
        for contract_plan, contract in zip(self.plan.contracts, self.contracts, strict=True):
            contract_plan.obj = contract
