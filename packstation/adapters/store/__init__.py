"""The station's SQLite database (see ``store.Store``): scans, packing sessions, boxes, the outbox of
API operations, print jobs and cached shipments, in one WAL-mode file with forward migrations, read and
written through one repository per topic (``store.boxes``, ``store.outbox``, ...)."""

from packstation.adapters.store.boxes import local_tag
from packstation.adapters.store.readonly import ReadOnlyStationFile
from packstation.adapters.store.schema import SCHEMA_VERSION, SchemaTooNewError
from packstation.adapters.store.store import Store

__all__ = ["SCHEMA_VERSION", "ReadOnlyStationFile", "SchemaTooNewError", "Store", "local_tag"]
