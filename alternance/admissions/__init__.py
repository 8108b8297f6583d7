"""Admissions (issue 13 §1): the public application page, the candidates' pipeline and enrolment."""
