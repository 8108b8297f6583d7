"""Attendance: the register and its tallies, absences and their justification, attendance statements."""
