"""Reports a firmware team can act on, all rendered from one summary of the run.

``summary`` turns the run's test records into the summary (the shape of
``schemas/report.schema.json``); ``markdown`` and ``html`` render it; ``collector`` is the pytest
plugin that gathers the records and writes the files; ``diff`` compares two summaries.
"""
