"""Allow ``python -m winci``."""

import sys

from winci.cli import main

sys.exit(main())
