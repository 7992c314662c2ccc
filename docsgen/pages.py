"""Rules about the site's pages that both the build and the unit tests apply.

- :data:`PENDING_PAGES`: pages the nav names that another branch is still writing.
  :mod:`docsgen.mkdocs_hooks` adds a stand-in only while ``docs/`` has no page of that name, so
  the real page replaces it as soon as it lands, and the tests accept links to them for the
  same reason. Remove an entry once its page is in ``docs/``.
- :data:`GENERATED`: the line that marks where the build puts something it generates
  (``<!-- generated: NAME -->``: a code table or a figure);
- :data:`NOT_SHIPPED`: words that send a reader to the project's design notes, which are not
  shipped with it; no page, rendered API reference included, may say them.
"""

from __future__ import annotations

import re

PENDING_PAGES: dict[str, str] = {}
"""Page (relative to ``docs/``) -> the Markdown that stands in for it."""

NOT_SHIPPED = re.compile(r"shared/|research/|real-apis|\bthe seeds?\b|\bseed \d{3}", re.IGNORECASE)

GENERATED = re.compile(r"^<!-- generated: (?P<name>[a-z0-9-]+) -->$", re.MULTILINE)
