"""`python -m nextsale.importer SOURCE...`: see nextsale.importer.importer."""

import sys

from nextsale.importer.importer import main

sys.exit(main())
