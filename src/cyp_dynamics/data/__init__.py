"""Cited course datasets and checked import of a practitioner's own data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

# Each name is imported from its module when first used (PEP 562), so `import cyp_dynamics`
# does not load pandas until data is read.
_WHERE = {
    **dict.fromkeys(["cite", "dataset_metadata", "datasets_folder", "figure", "list_datasets",
                     "load_dataset", "source_note"], ".datasets"),
    "LocalDataError": ".local", "read_local_csv": ".local",
}

__all__ = ["cite", "dataset_metadata", "datasets_folder", "figure", "list_datasets", "load_dataset",
           "LocalDataError", "read_local_csv", "source_note"]


__getattr__, __dir__ = lazy_names(__name__, globals(), _WHERE)


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from .datasets import (cite, dataset_metadata, datasets_folder, figure, list_datasets,
                           load_dataset, source_note)
    from .local import LocalDataError, read_local_csv
