"""The training catalogue on screen (issue 13 §2): programmes with their RNCP competence blocks,
training sites and cohorts — lists, pages, create, edit, archive and restore."""
