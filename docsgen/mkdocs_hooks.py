"""MkDocs hooks (``hooks:`` in mkdocs.yml): what the site generates from the code as it is built.

- ``figures/*.svg``: :data:`docsgen.figures.FIGURES`, drawn afresh on every build and added to
  the site without being written into ``docs/``, and the charts of ``bench/results.json``
  (:func:`docsgen.performance.charts`);
- a line ``<!-- generated: NAME -->`` on a page: replaced by the table :data:`docsgen.codes.TABLES`
  names so, or the figure and caption :func:`docsgen.figures.embeds` does, or the figures of
  ``bench/results.json`` :func:`docsgen.performance.embeds` does (an unknown name is a
  warning, so a strict build fails). On GitHub the comment shows nothing, not a broken image;
- a page another branch is still writing (:data:`docsgen.pages.PENDING_PAGES`) gets a
  stand-in until it lands;
- every rendered page is checked, API reference included, for :data:`docsgen.pages.NOT_SHIPPED`
  (``tests/unit/test_docs.py`` applies the same rule to the Markdown).
"""

from __future__ import annotations

import posixpath
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# This checkout first: the figures and tables are drawn from its code, not an installed copy's.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mkdocs.plugins import get_plugin_logger  # noqa: E402
from mkdocs.structure.files import File, Files  # noqa: E402

from docsgen import codes, figures, performance  # noqa: E402
from docsgen.pages import GENERATED, NOT_SHIPPED, PENDING_PAGES  # noqa: E402

log = get_plugin_logger("docsgen")


def on_files(files: Files, config: Any) -> Files:
    for name, draw in {**figures.FIGURES, **performance.charts(performance.load())}.items():
        files.append(File.generated(config, f"{figures.FIGURES_DIR}/{name}", content=draw()))
    for uri, text in PENDING_PAGES.items():
        if files.get_file_from_path(uri) is None:
            log.info("%s is not written yet: the site shows a stand-in", uri)
            files.append(File.generated(config, uri, content=text))
    return files


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    embeds = {**figures.embeds(), **performance.embeds(performance.load())}
    page_dir = posixpath.dirname(page.file.src_uri)

    def generated(match: re.Match[str]) -> str:
        name = match["name"]
        if name in codes.TABLES:
            return codes.TABLES[name]()
        if name in embeds:
            return embeds[name](page_dir)
        known = sorted([*codes.TABLES, *embeds])
        log.warning("%s: nothing generated is named %r (known: %s)", page.file.src_uri, name, known)
        return match[0]

    return GENERATED.sub(generated, markdown)


def on_post_page(output: str, page: Any, **kwargs: Any) -> str:
    text = re.sub(r"<[^>]+>", " ", output)
    for found in sorted({match[0] for match in NOT_SHIPPED.finditer(text)}):
        log.warning(
            "%s: says %r, which points readers at design notes that are not shipped", page.file.src_uri, found
        )
    return output
