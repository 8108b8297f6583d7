"""Training sessions (issue 19 §1): generated from the cohort's calendar, edited by staff."""
