"""Personal data (GDPR, issue 17 §8): the subject access export of one apprentice or company contact
(a ZIP of their records and documents, built in the background) and the anonymisation of the records
whose retention period is over (a nightly task and the « Dossiers à anonymiser » list).

The retention periods are settings (``GDPR_*_RETENTION_YEARS``), documented in the README with their
source."""
