"""Label pipeline: detect the format of a label file, check it is safe, render it to 1-bit for the
printer's head and encode it (ESC/POS raster or ZPL). See ``pipeline.LabelPipeline``."""

from packstation.adapters.labels.detect import LabelFormat, detect_label_format
from packstation.adapters.labels.errors import LabelError, LabelPrinterMismatchError
from packstation.adapters.labels.pipeline import LabelPipeline, PrintPayload, Target
from packstation.adapters.labels.raster import Head

__all__ = [
    "Head",
    "LabelError",
    "LabelFormat",
    "LabelPipeline",
    "LabelPrinterMismatchError",
    "PrintPayload",
    "Target",
    "detect_label_format",
]
