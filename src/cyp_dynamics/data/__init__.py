"""Cited course datasets and checked import of a practitioner's own data."""

from .datasets import (cite, dataset_metadata, datasets_folder, figure, list_datasets, load_dataset,
                       source_note)
from .local import LocalDataError, read_local_csv

__all__ = ["cite", "dataset_metadata", "datasets_folder", "figure", "list_datasets", "load_dataset",
           "LocalDataError", "read_local_csv", "source_note"]
