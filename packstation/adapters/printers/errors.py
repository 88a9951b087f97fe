"""Printer faults, each with one plain-language line (``user_message``) saying what to do.

The print queue writes ``user_message`` onto the failed job, the GUI shows it, the CLI prints it.
``retryable`` says whether printing again could help once the printer is back (a fault of the device,
not of the label or of the configuration).
"""

from __future__ import annotations

UDEV_RULE_FILE = "resources/udev/60-packstation.rules"
UDEV_INSTALL_HINT = (
    f"install the udev rule {UDEV_RULE_FILE} (sudo cp {UDEV_RULE_FILE} /etc/udev/rules.d/ && "
    "sudo udevadm control --reload-rules && sudo udevadm trigger), then unplug and replug the printer"
)


class PrinterError(Exception):
    retryable = True

    def __init__(self, user_message: str, *, maybe_printed: bool = False) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        # True when the printer had taken the whole label before the fault showed (a status query after
        # the job): it may print once the fault is fixed, so resending could print it twice.
        self.maybe_printed = maybe_printed


class PrinterUriError(PrinterError):
    """The printer setting itself is wrong."""

    retryable = False


class PrinterNotFoundError(PrinterError):
    """USB printer not plugged in / switched off, or the network printer does not answer."""


class PrinterDisconnectedError(PrinterError):
    """The printer went away in the middle of a label."""


class PrinterBusyError(PrinterError):
    """Another program holds the printer."""


class PrinterPermissionError(PrinterError):
    """The operating system does not let this user open the printer."""


class PrinterTimeoutError(PrinterError):
    """The printer stopped taking data (paper out, cover open, offline, jammed)."""


class PrinterOutOfPaperError(PrinterError):
    """The printer says its paper is out."""


class PrinterFaultError(PrinterError):
    """The printer answers a status query with a fault: cover or head open, offline or paused, ribbon out."""


class PrinterHoldsLabelError(PrinterFaultError):
    """The printer took the whole label, then reported a fault (paper out mid-label, cover opened): the
    label is in the printer and comes out by itself once the fault is fixed. Never resent."""

    def __init__(self, user_message: str, fault: str) -> None:
        super().__init__(user_message, maybe_printed=True)
        self.fault = fault


class PrinterConnectionError(PrinterError):
    """A network printer refused or dropped the connection."""


class UsbBackendMissingError(PrinterError):
    """pyusb found no libusb on this computer."""

    retryable = False


class PrinterIOError(PrinterError):
    """Writing to a file printer or another device failed."""
