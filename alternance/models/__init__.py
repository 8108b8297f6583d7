from .admissions import Candidate, CandidateEvent
from .apprentices import Apprentice
from .attendance import AttendanceRecord, AttendanceSettings, AttendanceTally
from .calendar import CalendarFeedToken, CalendarOverride, ClosurePeriod, KeyDate
from .exchange import ApiToken, DataImport, EvidencePack, TdbExport
from .invitations import Invitation
from .security import PasswordResetRequest, SecuritySettings
from .training import Cohort, CompetenceBlock, Programme, Site
from .users import User
from .visits import Visit, VisitCriterion

__all__ = [
    "ApiToken", "Apprentice", "AttendanceRecord", "AttendanceSettings", "AttendanceTally", "CalendarFeedToken", "CalendarOverride",
    "Candidate", "CandidateEvent",
    "ClosurePeriod", "Cohort", "CompetenceBlock", "DataImport", "EvidencePack", "Invitation", "KeyDate", "PasswordResetRequest", "Programme", "SecuritySettings", "Site", "TdbExport",
    "User", "Visit", "VisitCriterion",
]
