from .apprentices import Apprentice
from .attendance import AttendanceRecord
from .invitations import Invitation
from .training import Cohort, Programme
from .users import User
from .visits import Visit, VisitCriterion

__all__ = ["Apprentice", "AttendanceRecord", "Cohort", "Invitation", "Programme", "User", "Visit", "VisitCriterion"]
