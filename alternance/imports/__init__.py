"""Import of apprentices, companies (with their contacts) and contracts from CSV or XLSX files,
as an organisation moving from a spreadsheet or from another ERP does (issue 7, part 1).

- ``readers``: CSV (encodings, delimiters) and XLSX (openpyxl, read-only) → a ``Table``;
- ``values``: one cell → a Python value, or a French message that quotes it and says how to fix it;
- ``mapping``: suggested mapping of the file's columns to the fields, and its check; ``preview``:
  the first rows as the mapping reads them;
- ``apprentices``, ``companies``, ``contracts``: one module per kind — its fields, natural keys,
  row validation (the models' rules, the contract services) and bulk writes;
- ``runner``: ``import_table``, the one service the pages, the task and the command use, and the
  error report; ``services``: the steps of a ``DataImport`` (upload, mapping, check, import);
- ``tasks``: the Celery task for large files.
"""
