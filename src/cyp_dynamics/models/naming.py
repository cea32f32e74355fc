"""A model's names as people, pysd and a run's columns write them."""

from __future__ import annotations

from .engine import snake_case


def column_name(pysd_column: str) -> str:
    """A run's column for a pysd column: snake_case, subscripts kept, e.g. 'poverty_share[coastal]'."""
    base, bracket, subscripts = pysd_column.partition("[")
    return snake_case(base) + (f"[{subscripts.replace(' ', '')}" if bracket else "")


def output_of(column: str) -> str:
    """The output a run's column belongs to: 'poverty_share[coastal]' -> 'poverty_share'."""
    return column.partition("[")[0]


def python_names(elements: list) -> dict[str, str]:
    """pysd's python name for each element, by the element's snake_case name: the names pysd's
    own runs use ('Input' is 'input_1', 'Größe' is 'groe')."""
    from pysd.builders.python.namespace import NamespaceManager

    space = NamespaceManager()
    names = {}
    for element in elements:
        space.add_to_namespace(element.name)
        names.setdefault(element.py_name, space.namespace[element.name])
    return names


def tidy_column(column: str) -> str:
    """A pysd column with the spaces inside its subscripts removed: 'share[a, b]' -> 'share[a,b]'."""
    base, bracket, subscripts = column.partition("[")
    return base + (f"[{subscripts.replace(' ', '')}" if bracket else "")
