"""`packstation support-bundle`: placeholder until the real command lands (see doctor for checks)."""

from packstation.commands import UserFacingError


def add_arguments(parser) -> None:
    parser.add_argument("--output", help="where to write the zip")


def run(args) -> int:
    raise UserFacingError("'support-bundle' is not available in this build yet")
