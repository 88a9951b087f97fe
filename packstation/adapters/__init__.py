"""Adapters: everything that touches the outside world (HTTP, SQLite, printers, scanners, scale).

Adapters may import the domain; they never import Qt or the GUI.
"""
