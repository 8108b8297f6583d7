"""Retention of the files the jobs keep on disk (issue 17 §5): uploaded import files, generated
exports, evidence packs and batch archives are deleted by a nightly task once their retention
period (settings ``FILE_RETENTION_DAYS``) is over; their row stays and says so."""
