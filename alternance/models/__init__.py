from .admissions import Candidate, CandidateEvent
from .apprentices import Apprentice
from .attendance import AttendanceRecord, AttendanceSettings, AttendanceTally
from .calendar import CalendarFeedToken, CalendarOverride, ClosurePeriod, KeyDate
from .exchange import ApiToken, DataImport, EvidencePack, ListExport, PersonalDataExport, TdbExport
from .invitations import Invitation
from .outbox import OutgoingEmail, TaskIntent
from .security import PasswordResetRequest, SecuritySettings
from .sessions import SessionSignature, TrainingSession
from .steering import DashboardSnapshot
from .training import Cohort, CompetenceBlock, Programme, Site
from .users import User
from .visits import Visit, VisitCriterion

__all__ = [
    "ApiToken", "Apprentice", "AttendanceRecord", "AttendanceSettings", "AttendanceTally", "CalendarFeedToken", "CalendarOverride",
    "Candidate", "CandidateEvent",
    "ClosurePeriod", "Cohort", "CompetenceBlock", "DashboardSnapshot", "DataImport", "EvidencePack", "Invitation", "KeyDate", "ListExport", "OutgoingEmail",
    "PasswordResetRequest", "PersonalDataExport", "Programme", "SecuritySettings", "Site", "TaskIntent", "SessionSignature", "TdbExport", "TrainingSession", "User", "Visit",
    "VisitCriterion",
]
