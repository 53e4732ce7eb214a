"""``python -m digits`` runs the command-line tool (also under ``torchrun``)."""

import sys

from digits.cli import main

sys.exit(main())
