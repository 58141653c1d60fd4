"""The rules: pure functions from observations (values, exchanges) to findings.

Fetching is the client's job and reporting the report's; a rule only judges. An empty list of
findings is a pass. A rule that cannot judge returns a NOT_TESTED finding with the reason.
"""
