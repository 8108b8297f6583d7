"""Calendars: the alternance rhythm, closures, key dates and exceptions, ICS feeds and PDFs."""
