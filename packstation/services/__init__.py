"""Application services: orchestrate the domain and the adapters (the station runtime, order look-up,
end of day, statistics). Adapters never import this package; the GUI never does either (it gets what it
needs through its constructor, wired in ``app.py``)."""
