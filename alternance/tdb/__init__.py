"""Tableau de bord de l'apprentissage (domain §7): the learners file in the official template's
format (XLSX) and the JSON payload of the State's API.

- ``columns``: the template's columns (header, API name, kind, cell format, width);
- ``rules``: the template's format rules, applied to every row before any file exists;
- ``rows``: one row per learner per school year, built from our records (two queries);
- ``writers``: the XLSX of the template and the JSON batches of the API;
- ``services``: pre-check, file production and the recorded exports; ``tasks``: the Celery task.
"""
