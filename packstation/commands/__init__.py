"""One module per ``packstation`` sub-command. Each has ``add_arguments(parser)`` and ``run(args) -> int``."""


class UserFacingError(Exception):
    """An expected failure, told to the person in one line. Raise it from commands instead of exiting."""

    def __init__(self, message: str, exit_status: int = 1) -> None:
        super().__init__(message)
        self.exit_status = exit_status
