"""The domain layer: plain Python, no Qt, no I/O. Models, rules and the packing state machine."""
