"""The station's SQLite database (see ``store.Store``): scans, packing sessions, boxes, the outbox of
API operations, print jobs and cached shipments, in one WAL-mode file with forward migrations."""

from packstation.adapters.store.boxes import local_tag
from packstation.adapters.store.schema import SCHEMA_VERSION, SchemaTooNewError
from packstation.adapters.store.store import Store

__all__ = ["SCHEMA_VERSION", "SchemaTooNewError", "Store", "local_tag"]
