"""Long list exports as background jobs (issue 18 §1): the job's page, its progress, « Relancer »
and the download, for the person who asked only. The service is ``alternance.exports``."""
