"""packstation: a packing-bench station that books one Ingrid parcel and prints one label per box."""

__version__ = "0.1.0"
