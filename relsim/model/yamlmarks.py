"""Safe YAML loading that remembers the line of every node.

Model files are data: they are read with PyYAML's ``SafeLoader`` (no code
execution) and every mapping key and sequence item is mapped to the line it
starts on, so that validation errors can name ``file:line``.

Hostile files are refused before they cost much (docs/model-format.md §15):
nesting deeper than :data:`~relsim.model.limits.MAX_DEPTH` stops the parser
at the line where it happens (instead of exhausting Python's stack), and a
file whose aliases expand to more than
:data:`~relsim.model.limits.MAX_ALIAS_EXPANSION` nodes (an "alias bomb": ten
lines that expand to billions of nodes) is refused after parsing, by a count
that visits every distinct node once, before anything walks the expanded
data.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from relsim.model.limits import MAX_ALIAS_EXPANSION, MAX_DEPTH

Path = tuple[Any, ...]

__all__ = ["Duplicate", "load_with_lines", "load_with_marks", "rejoin_split_values"]


class Duplicate(NamedTuple):
    """A key written twice in one mapping: YAML would keep the later value silently."""

    path: Path  #: the key's path (as in the line map)
    first: int  #: 1-based line of the first occurrence
    again: int  #: 1-based line of the repetition


def load_with_marks(text: str) -> tuple[Any, dict[Path, int], list[Duplicate]]:
    """:func:`load_with_lines`, plus every key repeated in one mapping.

    PyYAML keeps the last of two equal keys without a word, so two
    components both named ``db-1``, or a failure spec with two ``every``,
    would lose one of them unnoticed; the caller reports these instead
    (docs/model-format.md §15). Keys brought in by a merge (``<<: *base``)
    may be overridden: that is what a merge is for.
    """
    duplicates: list[Duplicate] = []
    data, lines = _load(text, duplicates)
    return data, lines, duplicates


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
        On malformed YAML (the error carries its own line and column), on
        nesting deeper than ``MAX_DEPTH``, on aliases that expand to more
        than ``MAX_ALIAS_EXPANSION`` nodes and on an alias inside the node it
        names.
    """
    return _load(text, [])


def _load(text: str, duplicates: list[Duplicate]) -> tuple[Any, dict[Path, int]]:
    if _FAST:
        _check_depth(text)
        loader: Any = yaml.CSafeLoader(text)
    else:
        loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _expanded_size(node)
            _rejoin(node, set())
            # Before construction, which folds merged keys into the mapping.
            _duplicates(node, (), duplicates, set())
        try:
            data = loader.construct_document(node) if node is not None else None
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            raise _unreadable(loader, node, exc) from None
    finally:
        loader.dispose()
    lines: dict[Path, int] = {(): 1}
    if node is not None:
        _walk(node, (), lines, set())
    return data, lines


def _unreadable(loader: Any, root: yaml.Node, exc: Exception) -> ConstructorError:
    """The error of the first scalar its explicit tag cannot read (``!!int x``), with its line.

    PyYAML's constructors raise a bare ``ValueError`` (``!!int x``,
    ``!!float x``), ``KeyError`` (``!!bool maybe``) or ``AttributeError``
    (``!!timestamp x``) there, with no position; this finds the scalar and
    gives the ``yaml.YAMLError`` with a line that other malformed input gives.
    """
    todo, seen = [root], set()
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        construct = loader.yaml_constructors.get(node.tag) if isinstance(node, yaml.ScalarNode) else None
        if construct is not None:
            try:
                construct(loader, node)
            except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
                tag = node.tag.rsplit(":", 1)[-1]
                return ConstructorError(None, None, f"cannot read {node.value!r} as !!{tag}", node.start_mark)
        elif isinstance(node, yaml.MappingNode):
            todo.extend(x for pair in reversed(node.value) for x in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(reversed(node.value))
    return ConstructorError(None, None, f"cannot construct the document: {exc}", root.start_mark)


#: libyaml (PyYAML's C extension) parses some thirty times faster than the
#: pure-Python parser: a file of a few megabytes in seconds, not minutes.
_FAST = bool(getattr(yaml, "__with_libyaml__", False))


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than ``MAX_DEPTH`` before libyaml composes (recursively, in C)."""
    depth = 0
    starts, ends = (yaml.MappingStartEvent, yaml.SequenceStartEvent), (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, starts):
            depth += 1
            if depth > MAX_DEPTH:
                raise ComposerError(None, None, f"nesting deeper than {MAX_DEPTH} levels "
                                    "(the limit on nested mappings and lists)", event.start_mark)
        elif isinstance(event, ends):
            depth -= 1


class _BoundedLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses nesting deeper than ``MAX_DEPTH``.

    PyYAML composes nodes recursively (two Python frames a level), so two
    thousand ``[`` would end in a ``RecursionError``; counting the depth
    here stops at the first level too many, with its line.
    """

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise ComposerError(None, None, f"nesting deeper than {MAX_DEPTH} levels "
                                    "(the limit on nested mappings and lists)", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _expanded_size(root: yaml.Node) -> int:
    """Nodes in the document once every alias is expanded, refused above the limit.

    Each distinct node is visited once (its expanded size is remembered), so
    the count costs what the file's own nodes cost, however far the aliases
    would expand.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise ComposerError(None, None, "an alias refers to a node that contains it "
                                "(a recursive anchor)", node.start_mark)
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += size(item)
        open_nodes.discard(key)
        if total > MAX_ALIAS_EXPANSION:
            raise ComposerError(None, None, f"aliases expand to more than {MAX_ALIAS_EXPANSION:,} "
                                "nodes (the limit on alias expansion)", node.start_mark)
        sizes[key] = total
        return total

    return size(root)


def _unbalanced(node: yaml.Node) -> bool:
    return (
        isinstance(node, yaml.ScalarNode)
        and not node.style  # plain: None from PyYAML's parser, "" from libyaml
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


def rejoin_split_values(data: Any) -> Any:
    """:func:`_rejoin` for data that was already parsed (``yaml.safe_load``).

    ``relsim.load(yaml.safe_load(open(f)))`` receives ``{"every":
    "weibull(shape=1.5", "mean=1y)": None}`` for ``{every: weibull(shape=1.5,
    mean=1y)}``; the same rule as for the file re-joins it, so a dict loads
    like the file it came from. Returns the re-joined copy of mappings and
    lists (other values are returned as they are).
    """
    if isinstance(data, dict):
        out: dict[Any, Any] = {}
        items = list(data.items())
        i = 0
        while i < len(items):
            key, value = items[i]
            while (isinstance(value, str) and value.count("(") > value.count(")")
                   and i + 1 < len(items) and items[i + 1][1] is None
                   and isinstance(items[i + 1][0], (str, int, float)) and not isinstance(items[i + 1][0], bool)):
                value = f"{value}, {items[i + 1][0]}"
                i += 1
            out[key] = rejoin_split_values(value)
            i += 1
        return out
    if isinstance(data, list):
        joined: list[Any] = []
        for item in data:
            prev = joined[-1] if joined else None
            if (isinstance(prev, str) and prev.count("(") > prev.count(")")
                    and isinstance(item, (str, int, float)) and not isinstance(item, bool)):
                joined[-1] = f"{prev}, {item}"
            else:
                joined.append(item)
        return [rejoin_split_values(item) for item in joined]
    return data


#: Reads integer keys as the YAML loader does (``0x10`` is 16, ``010`` is 8, ``1:30`` is 90).
_INTS = yaml.constructor.SafeConstructor()


def _key(key_node: yaml.ScalarNode) -> Any:
    """A mapping key as it appears in a path: integers as the ``int`` the loader reads."""
    if key_node.tag == "tag:yaml.org,2002:int":
        try:
            return _INTS.construct_yaml_int(key_node)
        except ValueError:  # ``!!int`` on a value that is not one: loading refuses it
            pass
    return key_node.value


def _duplicates(node: yaml.Node, path: Path, out: list[Duplicate], seen: set[int]) -> None:
    """Append to ``out`` every scalar key written twice in one mapping."""
    if id(node) in seen:  # an alias: its node was checked where it was anchored
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, str], int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                _duplicates(value_node, path, out, seen)
                continue
            child = (*path, _key(key_node))
            line = key_node.start_mark.line + 1
            tag = (key_node.tag, child[-1])  # 16 and 0x10 are one key
            if tag in first:
                out.append(Duplicate(child, first[tag], line))
            else:
                first[tag] = line
            _duplicates(value_node, child, out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _duplicates(item, (*path, i), out, seen)


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int], seen: set[int]) -> None:
    # Aliases share node objects; guard against recursive anchors.
    if id(node) in seen:
        return
    seen = seen | {id(node)}
    if isinstance(node, yaml.MappingNode):
        # Construction has folded merges (``<<: *base``) into the mapping, the
        # merged pairs first: as in the data, the last pair of a key counts, so
        # a key the mapping writes again is reported on its own line.
        last: dict[Any, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                last[_key(key_node)] = (key_node, value_node)
        for key, (key_node, value_node) in last.items():
            child = (*path, key)
            lines.setdefault(child, key_node.start_mark.line + 1)
            _walk(value_node, child, lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = (*path, i)
            lines.setdefault(child, item.start_mark.line + 1)
            _walk(item, child, lines, seen)
