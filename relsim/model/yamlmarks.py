"""Safe YAML loading that remembers the line of every node.

Model files are data: they are read with PyYAML's ``SafeLoader`` (no code
execution) and every mapping key and sequence item is mapped to the line it
starts on, so that validation errors can name ``file:line``.
"""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[Any, ...]

__all__ = ["load_with_lines"]


def load_with_lines(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse YAML ``text`` safely.

    Returns
    -------
    data, lines
        The plain Python data and a map from path (tuple of keys and list
        indices) to the 1-based line where that node starts. The root path
        ``()`` maps to line 1.

    Raises
    ------
    yaml.YAMLError
        On malformed YAML (the error carries its own line and column).
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _rejoin(node, set())
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: dict[Path, int] = {(): 1}
    if node is not None:
        _walk(node, (), lines, set())
    return data, lines


def _unbalanced(node: yaml.Node) -> bool:
    return (
        isinstance(node, yaml.ScalarNode)
        and node.style is None
        and node.value.count("(") > node.value.count(")")
    )


def _rejoin(node: yaml.Node, seen: set[int]) -> None:
    """Re-join distributions that YAML flow style split at their commas.

    In flow style (``{every: weibull(shape=1.5, mean=1y)}``) a plain scalar
    ends at a comma, so YAML reads ``every: "weibull(shape=1.5"`` followed by
    a key ``"mean=1y)"`` with no value. A value with an unclosed parenthesis
    takes the following valueless keys (or sequence items) back until its
    parentheses balance, so model files can use flow style as written.
    """
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        pairs = node.value
        i = 0
        while i < len(pairs):
            value = pairs[i][1]
            while _unbalanced(value) and i + 1 < len(pairs):
                key, empty = pairs[i + 1]
                if not (isinstance(key, yaml.ScalarNode) and isinstance(empty, yaml.ScalarNode)
                        and empty.tag == "tag:yaml.org,2002:null" and empty.value == ""):
                    break
                value.value += ", " + key.value
                del pairs[i + 1]
            _rejoin(pairs[i][0], seen)
            _rejoin(value, seen)
            i += 1
    elif isinstance(node, yaml.SequenceNode):
        items = node.value
        i = 0
        while i < len(items):
            while _unbalanced(items[i]) and i + 1 < len(items) and isinstance(items[i + 1], yaml.ScalarNode):
                items[i].value += ", " + items[i + 1].value
                items[i].tag = "tag:yaml.org,2002:str"
                del items[i + 1]
            _rejoin(items[i], seen)
            i += 1


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int], seen: set[int]) -> None:
    # Aliases share node objects; guard against recursive anchors.
    if id(node) in seen:
        return
    seen = seen | {id(node)}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                _walk(value_node, path, lines, seen)
                continue
            key: Any = key_node.value
            if key_node.tag == "tag:yaml.org,2002:int":
                try:
                    key = int(key)
                except ValueError:
                    pass
            child = (*path, key)
            lines.setdefault(child, key_node.start_mark.line + 1)
            _walk(value_node, child, lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = (*path, i)
            lines.setdefault(child, item.start_mark.line + 1)
            _walk(item, child, lines, seen)
