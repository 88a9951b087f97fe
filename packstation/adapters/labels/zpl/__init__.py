"""ZPL II renderer: draws Zebra labels into the pipeline's 1-bit ``MonoImage`` at the printer's dpi.

``render_zpl(data, dpi=..., max_width=...)`` is the whole API. Modules: ``lexer`` (commands),
``state`` (printer and field state), ``text`` (fonts, ``^FB``), ``graphics`` (``^G*``, ``~DG``),
``barcodes`` (zxing-cpp symbols on whole dots), ``renderer`` (interpreter and page composition),
``compress`` (``^GF`` encoders for sending rasters to ZPL printers).
"""

from packstation.adapters.labels.zpl.api import ZplRender, render_zpl
from packstation.adapters.labels.zpl.errors import ZplError

__all__ = ["ZplError", "ZplRender", "render_zpl"]
