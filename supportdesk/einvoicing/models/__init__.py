"""Models of supportdesk.einvoicing: the stored invoice drafts (drafts.py) and, from the
provider hand-off, its submissions (submissions.py)."""

from .drafts import *  # noqa: F403
from .submissions import *  # noqa: F403
