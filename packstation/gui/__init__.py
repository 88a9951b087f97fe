"""The GUI layer: the only package that imports PySide6. Widgets show domain state and forward scans.

Rule (as in Picard): never touch the UI from a background thread. Background work reports back
through signals of a bridge QObject, which Qt delivers on the GUI thread.
"""
