"""Tutoring: the tutors' workspace, visits and their grid, due dates, employer evaluations, visit reports."""
