"""pytest glue for the conformance suites.

Everything lives in the ccrest.plugin module (options, the target, observations, verdicts), so
that the self-tests can load the same plugin into pytester runs.
"""

pytest_plugins = ["ccrest.plugin"]
