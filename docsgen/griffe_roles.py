"""A griffe extension: the docstrings' Sphinx roles and literal-block markers, read as Markdown.

The provider's docstrings are written for Sphinx (``:class:`~pkg.mod.Name```, ``:mod:``,
``:func:``, ``Example::``); mkdocstrings renders Markdown. Each role becomes an optional
cross-reference (a link when the target is rendered in the API reference, plain code when it is
not, never a warning), and a paragraph ending in ``::`` ends in ``:`` before its indented block.
An endpoint method (``@endpoint``) is shown returning what the hook returns, not the call it builds.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj|const):`(?P<tilde>~?)(?P<target>[^`]+)`"
)
_LITERAL_MARKER = re.compile(r"(?<=\S)::$", re.MULTILINE)


def _full_path(obj: griffe.Object, target: str) -> str | None:
    """The dotted path a role's target names, as seen from ``obj``; None when it names nothing known."""
    target = target.strip().removesuffix("()")
    if target.startswith("airflow_provider_engage."):
        return target
    head, _, rest = target.partition(".")
    try:
        found = obj.resolve(head)
    except (griffe.NameResolutionError, KeyError, AttributeError):
        return None
    return f"{found}.{rest}" if rest else found


def _link(obj: griffe.Object, match: re.Match[str]) -> str:
    target = match["target"].strip()
    shown = target.rsplit(".", 1)[-1] if match["tilde"] else target
    path = _full_path(obj, target)
    if path is None:
        return f"`{shown}`"
    return f'<autoref identifier="{path}" optional><code>{shown}</code></autoref>'


def markdown_of(obj: griffe.Object, text: str) -> str:
    """A Sphinx-flavoured docstring as the Markdown mkdocstrings renders."""
    text = _ROLE.sub(lambda match: _link(obj, match), text)
    return _LITERAL_MARKER.sub(":", text)


class SphinxRoles(griffe.Extension):
    """Rewrite every docstring of a loaded package once all of it is known (names resolve then)."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for obj in _objects(pkg):
            if obj.docstring is not None:
                obj.docstring.value = markdown_of(obj, obj.docstring.value)
            if isinstance(obj, griffe.Function):
                _show_endpoint_result(obj)


def _show_endpoint_result(function: griffe.Function) -> None:
    """``-> ApiCall[X]`` of an ``@endpoint`` method as ``-> X``: a sync hook returns X (an async
    one a coroutine of it), the call is the transport's business."""
    returns = function.returns
    endpoint = any(str(decorator.value).endswith("endpoint") for decorator in function.decorators)
    if endpoint and isinstance(returns, griffe.ExprSubscript) and str(returns.left).endswith("ApiCall"):
        function.returns = returns.slice


def _objects(obj: griffe.Object) -> list[griffe.Object]:
    found = [obj]
    for member in obj.members.values():
        if not member.is_alias:
            found.extend(_objects(member))  # type: ignore[arg-type]
    return found
