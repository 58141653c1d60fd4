"""pytest glue for the conformance suites: options, fixtures and report hooks.

The options (--controller-url and friends), the target fixtures and the report writers arrive
with the suites (issue 4) and reports (issue 5); this file is where they plug in.
"""
