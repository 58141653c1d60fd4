"""ccrest: conformance test suite for the Legacy REST API of EV charge controllers."""

__version__ = "0.1.0"
