"""A model's subscript ranges as pysd reads them: copies, subranges, mappings and EXCEPT.

`Ranges` is the {range: its elements} dict the rest of the engine indexes, carrying what pysd
knows beyond the elements: which ranges map to which (`A: a1, a2 -> B`; a copy `B <-> A` maps
to A), which are copies, the EXCEPT lists of each variable's definitions and the tables of
subscripted lookups. The helpers reproduce pysd's rules (its `SubscriptManager`):

* `read_ranges`   ranges in pysd's order, subrange names inside a definition expanded, copies
                  given their source's elements, GET DIRECT SUBSCRIPT read from its file.
* `coordinates`   the range each written subscript stands for (an element: the first range
                  holding it), as pysd's `make_coord_dict`.
* `merged_ranges` the ranges of a variable defined piece by piece (pysd's `make_merge_list`).
* `positions`     the number a range's or an element's name stands for when used as a value:
                  its position (from 1) in the main range (pysd's `subscript2num`).

This module imports nothing from the rest of the engine.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

MAX_ELEMENTS = 100_000  # a range written with ranges nested deeper than any real model has


class RangeError(Exception):
    """pysd would read these subscripts differently from the engine; the engine refuses."""


class Ranges(dict):
    """{range: its elements}, in pysd's order, with what pysd knows beyond the elements.

    `mapping`: {range: ranges its elements map to, in order} (a copy maps to its source).
    `copied`: ranges defined as copies of another. `exceptions`: {variable: one tuple of EXCEPT
    lists per definition, as written}. `tables`: {subscripted lookup: [(subscripts written,
    xs, ys, interpolation type), ...]}.
    """

    def __init__(self, items: Any = (), mapping: dict | None = None, copied: Any = (),
                 exceptions: dict | None = None, tables: dict | None = None):
        super().__init__(items)
        self.mapping: dict[str, tuple[str, ...]] = dict(mapping or {})
        self.copied: frozenset[str] = frozenset(copied)
        self.exceptions: dict[str, tuple[tuple[tuple[str, ...], ...], ...]] = dict(exceptions or {})
        self.tables: dict[str, list[tuple]] = dict(tables or {})


def _file_in_folder(name: str, root: Path) -> Path | None:
    """The file a model names, if it is inside the model's folder (no path out of it)."""
    text = str(name).strip().replace("\\", "/")
    relative = PurePosixPath(text)
    if not text or text.startswith("?") or relative.is_absolute() or ".." in relative.parts or ":" in text:
        return None
    folder = root.resolve()
    path = (folder / relative).resolve()
    return path if path.is_file() and folder in path.parents else None


def _read_file_range(definition: dict, root: Path) -> tuple[str, ...]:
    """The elements of a GET DIRECT SUBSCRIPT range, read from its file in the model's folder
    (no code runs); () when the file is elsewhere, missing or unreadable."""
    from pysd.py_backend.external import ExtSubscript

    path = _file_in_folder(definition["file"], root)
    if path is None:
        return ()
    try:
        found = ExtSubscript(file_name=str(path), tab=definition["tab"],
                             firstcell=definition["firstcell"], lastcell=definition["lastcell"],
                             prefix=definition["prefix"], root=path.parent).subscript
    except Exception:  # noqa: BLE001 (a missing or unreadable file: the engine refuses the range)
        return ()
    return tuple(str(item) for item in found)


def read_ranges(subscript_ranges: list[Any], root: Path) -> Ranges:
    """pysd's subscript ranges from the abstract model's `section.subscripts`.

    A range that cannot be read (its file is missing or outside the model's folder, a copy of an
    unknown range) is kept with no elements, which makes the engine refuse any variable over it.
    """
    elements: dict[str, list[str]] = {}
    mapping: dict[str, tuple[str, ...]] = {}
    copied, missing = [], []
    for item in subscript_ranges:
        maps = list(item.mapping or [])
        if isinstance(item.subscripts, list):
            elements[item.name] = list(item.subscripts)
        elif isinstance(item.subscripts, str):  # `B <-> A`: a copy, and a mapping to A
            copied.append(item.name)
            if item.subscripts not in maps:
                maps.append(item.subscripts)
            if item.subscripts in elements:
                elements[item.name] = elements[item.subscripts]
            else:
                missing.append(item)
        elif isinstance(item.subscripts, dict):
            elements[item.name] = list(_read_file_range(item.subscripts, root))
        else:
            elements[item.name] = []
        mapping[item.name] = tuple(maps)
    for item in reversed(missing):  # copies of ranges defined after them, as pysd takes them
        elements[item.name] = list(elements.get(item.subscripts, []))
    pending, rounds = list(elements), 0
    while pending:  # ranges written with subranges in them: `dim: A, subdim1, B`
        rounds += 1
        updated = []
        for name in pending:
            if any(sub in elements for sub in elements[name]):
                updated.append(name)
                expanded: list[str] = []
                for sub in elements[name]:
                    expanded += elements.get(sub, [sub])
                elements[name] = expanded
        if rounds > len(elements) or any(len(elements[n]) > MAX_ELEMENTS for n in updated):
            for name in updated:  # a range written inside itself: pysd would never finish
                elements[name] = []
            break
        pending = updated
    return Ranges({k: tuple(v) for k, v in elements.items()}, mapping, copied)


def coordinates(written: list[str] | tuple[str, ...], ranges: dict) -> list[tuple[str | None, tuple[str, ...]]]:
    """(range, its elements here) for each written subscript, as pysd's make_coord_dict.

    An element stands for the first range holding it that is not written elsewhere in the same
    reference; a range (or a summed range, 'R!') for all its elements.
    """
    every = {e for items in ranges.values() for e in items}
    found: list[tuple[str | None, tuple[str, ...]]] = []
    for sub in written:
        if sub in every:
            avoid = set(written) | {name for name, _ in found}
            name = next((r for r, items in ranges.items() if sub in items and r not in avoid), None)
            found.append((name, (sub,)))
        else:
            found.append((sub, tuple(ranges.get(sub.removesuffix("!"), ()))))
    return found


def merged_ranges(subscript_lists: list[tuple[str, ...]], ranges: dict) -> tuple[str, ...]:
    """The ranges of a variable from the subscripts of all its definitions (pysd's
    make_merge_list): at each position the written range that holds exactly the elements
    defined there, else the first range (in the model's order) that does, else the first that
    holds them all; failing these, a new copy of the range holding exactly them is added to
    `ranges` as pysd adds it. RangeError when no range holds them."""
    found_lists = [coordinates(subs, ranges) for subs in subscript_lists]
    if len({len(f) for f in found_lists}) != 1:
        raise RangeError("definitions with different numbers of subscripts")
    size = len(found_lists[0])
    chosen = []
    for position in range(size):
        members = set().union(*(set(f[position][1]) for f in found_lists))
        here = [f[position][0] for f in found_lists]
        others = {f[p][0] for f in found_lists for p in range(size) if p != position}
        exact = [name for name in here if name is not None and set(ranges.get(name, ())) == members]
        if exact:
            chosen.append(exact[0])
            continue
        candidates = [r for r, items in ranges.items() if items and set(items) == members
                      and r not in others]
        candidates = candidates or [r for r, items in ranges.items() if items
                                    and members <= set(items) and r not in others]
        if not candidates:
            chosen.append(_new_copy(members, ranges))
            continue
        chosen.append(candidates[0])
    return tuple(chosen)


def _new_copy(members: set, ranges: dict) -> str:
    """A new range equal to the first range holding exactly `members`, named as pysd names it
    ('Dims1' for Dims), added to `ranges`: for X[A, Dims], X[B, Dims], X[C, Dims], whose first
    position cannot be Dims itself."""
    for name, items in list(ranges.items()):
        if items and set(items) == members:
            j = 1
            while f"{name}{j}" in ranges:
                j += 1
            ranges[f"{name}{j}"] = items
            return f"{name}{j}"
    raise RangeError("elements that no range holds")


def _key(name: str) -> str:
    return name.replace(" ", "_").lower()


def main_ranges(ranges: Ranges | dict) -> dict[str, list[str]]:
    """{main range: its subranges}: pysd's main ranges are those no other range contains; of two
    equal ranges the first alphabetically, never a copy."""
    copied = getattr(ranges, "copied", frozenset())
    sets = {name: set(items) for name, items in ranges.items() if items}
    found: dict[str, list[str]] = {}
    for name, items in sets.items():
        subs: list[str] | None = []
        for other, other_items in sets.items():
            if other == name:
                continue
            if items == other_items:
                if _key(name) < _key(other) and name not in copied:
                    subs.append(other)
                    continue
                subs = None
                break
            if other_items <= items:
                subs.append(other)
            elif other_items >= items:
                subs = None
                break
        if subs is not None:
            found[name] = subs
    return found


def positions(ranges: Ranges | dict) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """({range's name as equations write it: {element: its number}}, {element's name: number}):
    what a range's or an element's name stands for as a value (pysd's subscript2num)."""
    of_range: dict[str, dict[str, int]] = {}
    of_element: dict[str, int] = {}
    for main, subs in main_ranges(ranges).items():
        numbers = {item: i for i, item in enumerate(ranges[main], start=1)}
        of_range[_key(main)] = numbers
        for item, i in numbers.items():
            of_element[_key(item)] = i
        for sub in subs:
            of_range[_key(sub)] = {item: numbers[item] for item in ranges[sub]}
    return of_range, of_element
