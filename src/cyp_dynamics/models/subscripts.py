"""Reading results of subscripted models: one column per element, e.g. 'poverty_share[coastal]'.

A model with Vensim subscripts (places, age bands) returns a column for every element of every
subscripted output. These helpers pick those columns out by element and reshape them for tables
and charts, so notebooks never build column names by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .model import output_of


def split_column(column: str) -> tuple[str, tuple[str, ...]]:
    """'children[coastal,age_0_4]' -> ('children', ('coastal', 'age_0_4')); no subscripts -> ()."""
    name, bracket, rest = column.partition("[")
    if not bracket:
        return name, ()
    return name, tuple(part.strip() for part in rest.rstrip("]").split(","))


def element_columns(run: pd.DataFrame, variable: str) -> dict[tuple[str, ...], str]:
    """The run's columns for `variable`, keyed by their elements; ValueError naming what exists."""
    found = {split_column(c)[1]: c for c in run.columns if output_of(c) == variable}
    if not found:
        names = sorted({output_of(c) for c in run.columns})
        raise ValueError(f"The run has no output called '{variable}'. It has: {', '.join(names)}.")
    return found


def by_element(run: pd.DataFrame, variable: str, **fixed: str) -> pd.DataFrame:
    """One column per element of `variable`, named by the element(s) left after `fixed`.

    `by_element(run, "poverty_share")` gives columns coastal, inner_city, ...;
    `by_element(run, "children", age_band="age_5_10")` fixes one subscript by its value (the
    keyword's name is only for the reader) and keeps the others.
    """
    wanted = set(fixed.values())
    columns = element_columns(run, variable)
    known = {element for elements in columns for element in elements}
    unknown = wanted - known
    if unknown:
        raise ValueError(f"'{variable}' has no element(s) {sorted(unknown)}; its elements are "
                         f"{', '.join(sorted(known))}.")
    picked = {}
    for elements, column in columns.items():
        if wanted <= set(elements):
            rest = [e for e in elements if e not in wanted]
            picked[",".join(rest) or variable] = run[column]
    return pd.DataFrame(picked, index=run.index)


def tidy_elements(run: pd.DataFrame, variables: Sequence[str],
                  dimensions: Sequence[str]) -> pd.DataFrame:
    """Long table of subscripted outputs: time, variable, one column per dimension, value.

    `dimensions` names the subscripts in the model's order, e.g. ["place", "age_band"].
    """
    frames = []
    time_name = run.index.name or "time"
    for variable in variables:
        for elements, column in element_columns(run, variable).items():
            if len(elements) != len(dimensions):
                raise ValueError(f"'{variable}' has {len(elements)} subscript(s); you named "
                                 f"{len(dimensions)} dimension(s): {list(dimensions)}.")
            frame = pd.DataFrame({time_name: run.index.to_numpy(), "variable": variable,
                                  "value": run[column].to_numpy()})
            for dimension, element in zip(dimensions, elements):
                frame[dimension] = element
            frames.append(frame)
    columns = [time_name, "variable", *dimensions, "value"]
    return pd.concat(frames, ignore_index=True)[columns]


__all__ = ["by_element", "element_columns", "split_column", "tidy_elements"]
