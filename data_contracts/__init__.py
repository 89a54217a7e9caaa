"""Data contracts for landing files: readers per vendor format, the contracts
(GX suites in `contracts/`) and the loader that validates, quarantines and loads.

This package imports nothing else of ours, so the generator, the orchestration
layer and the tests can all depend on it.
"""

from data_contracts.contract import Contract, ContractError, load_contract
from data_contracts.entities import ENTITIES, Column, Entity, entities_for
from data_contracts.errors import LandingFileError
from data_contracts.loader import (
    FileLoad,
    load_landing,
    load_source,
    reload_partition,
)
from data_contracts.naming import snake_case
from data_contracts.readers import read_landing_file

__all__ = [
    "ENTITIES",
    "Column",
    "Contract",
    "ContractError",
    "Entity",
    "FileLoad",
    "LandingFileError",
    "entities_for",
    "load_contract",
    "load_landing",
    "load_source",
    "read_landing_file",
    "reload_partition",
    "snake_case",
]
