"""Cited course datasets and checked import of a practitioner's own data."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Each name is imported from its module when first used (PEP 562), so `import cyp_dynamics`
# does not load pandas until data is read.
_WHERE = {
    **dict.fromkeys(["cite", "dataset_metadata", "datasets_folder", "figure", "list_datasets",
                     "load_dataset", "source_note"], ".datasets"),
    "LocalDataError": ".local", "read_local_csv": ".local",
}

__all__ = ["cite", "dataset_metadata", "datasets_folder", "figure", "list_datasets", "load_dataset",
           "LocalDataError", "read_local_csv", "source_note"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name], __name__), name)
    globals()[name] = value  # later uses skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from .datasets import (cite, dataset_metadata, datasets_folder, figure, list_datasets,
                           load_dataset, source_note)
    from .local import LocalDataError, read_local_csv
