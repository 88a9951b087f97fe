"""One module per ``packstation`` sub-command. Each has ``add_arguments(parser)`` and ``run(args) -> int``."""

from enum import IntEnum


class ExitCode(IntEnum):
    """What a ``packstation`` process (a sub-command, the GUI, a replay) ends with."""

    OK = 0
    FAILURE = 1  # something a person must look at: a failed check, a refused operation, a scan unanswered
    USAGE = 2  # the command line itself is wrong
    STILL_BUSY = 3  # --exit-when-idle gave up: the queues did not empty in time
    INTERRUPTED = 130  # Ctrl+C (128 + SIGINT, as shells report it)
    # Not a process status: the window's answer when the packer saved settings and chose "Restart now";
    # the app then re-executes itself instead of exiting.
    RESTART = -1


class UserFacingError(Exception):
    """An expected failure, told to the person in one line. Raise it from commands instead of exiting."""

    def __init__(self, message: str, exit_status: int = ExitCode.FAILURE) -> None:
        super().__init__(message)
        self.exit_status = exit_status
