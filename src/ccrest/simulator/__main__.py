"""``python -m ccrest.simulator``."""

import sys

from ccrest.simulator.cli import main

sys.exit(main())
