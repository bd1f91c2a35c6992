"""`python -m nextsale.importer SOURCE...`: see nextsale/importer/README.md."""

import sys

from nextsale.importer.cli import main

sys.exit(main())
