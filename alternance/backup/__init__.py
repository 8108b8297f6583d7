"""Backups of a self-hosted instance (issue 17 §4): the database and the media files in one archive
with a manifest, restored into an empty instance and checked against that manifest.

``make backup`` / ``make restore`` call the ``backup`` and ``restore`` management commands, which
call ``alternance.backup.archive``.
"""
