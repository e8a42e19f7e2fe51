"""``python -m relsim`` is the ``relsim`` command."""

import sys

from relsim.cli import main

sys.exit(main())
