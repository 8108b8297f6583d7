"""Read API for the organisation's other tools (issue 7, part 5)."""
