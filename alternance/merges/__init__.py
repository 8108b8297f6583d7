"""Merging two duplicate records (issue 13 §3): a company typed twice, an apprentice enrolled twice.

The coordinator picks the duplicate, reads a preview of what moves and which values are kept, then
confirms: one transaction moves every row that hangs from the merged record onto the kept one and
deletes the merged record; the merge is recorded (``services.merge_recorded``)."""
