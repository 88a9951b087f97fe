"""`packstation printers`: not built yet (placeholder so the command line parses)."""

from packstation.commands import UserFacingError


def add_arguments(parser):
    pass


def run(args) -> int:
    raise UserFacingError("'printers' is not available in this build yet")
