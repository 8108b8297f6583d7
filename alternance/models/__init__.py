from .admissions import Candidate, CandidateEvent
from .apprentices import Apprentice
from .attendance import AttendanceRecord, AttendanceSettings, AttendanceTally
from .calendar import CalendarFeedToken, CalendarOverride, ClosurePeriod, KeyDate
from .exchange import ApiToken, DataImport, EvidencePack, TdbExport
from .invitations import Invitation
from .training import Cohort, Programme
from .users import User
from .visits import Visit, VisitCriterion

__all__ = [
    "ApiToken", "Apprentice", "AttendanceRecord", "AttendanceSettings", "AttendanceTally", "CalendarFeedToken", "CalendarOverride",
    "Candidate", "CandidateEvent",
    "ClosurePeriod", "Cohort", "DataImport", "EvidencePack", "Invitation", "KeyDate", "Programme", "TdbExport",
    "User", "Visit", "VisitCriterion",
]
