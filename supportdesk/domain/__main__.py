"""``python -m supportdesk.domain``: the ``supportdesk-rules`` command line."""

import sys

from supportdesk.domain.cli import main

sys.exit(main())
