"""Names vulture (dead-code finder, run by .ci/run) cannot see being used, and why.

Run: ``.venv/bin/vulture packstation tools/vulture_whitelist.py --min-confidence 60``.
Two kinds, kept apart: called by a framework (stays); public API that only tests or tools use today
(shrinks: give it a caller in the app or delete it with its tests). Never add a name here to silence
a real finding.
"""

from vulture.whitelist_utils import Whitelist

# ---------------------------------------------------------------- called by a framework, not by us
qt = Whitelist()  # Qt virtuals and slots, called by Qt
qt.eventFilter
qt.paint
qt.paintEvent

aio = Whitelist()
# adapters/som/transport.py: httpx's client and http.cookiejar call these of the jar it keeps (no-ops)
aio.extract_cookies
aio.set_cookie
aio.cookie

http = Whitelist()  # http.server / socketserver hooks and class switches, read by the base classes
http.do_GET
http.wbufsize  # emulator/server.py: StreamRequestHandler buffers the answer by it (one write per answer)
http.do_HEAD
http.do_OPTIONS
http.do_POST
http.do_PUT
http.do_DELETE
http.do_PATCH
http.log_message
http.version_string
http.send_error
http.explain  # send_error's signature, as the base class defines it
http.daemon_threads
http.block_on_close
http.allow_reuse_address
http.protocol_version

stdlib = Whitelist()
stdlib.formatter_class  # argparse reads it
stdlib.row_factory  # sqlite3 reads it
stdlib.signum  # signal handler signature
stdlib.raise_not_found  # python-escpos' open() signature, overridden in adapters/printers/devices.py
stdlib.usage  # argparse reads parser.usage
stdlib.fontmode  # Pillow's ImageDraw reads it (1-bit text without antialiasing)
stdlib.__getattr__  # module __getattr__ (PEP 562), domain/station_text.py

data = Whitelist()  # fields of records and wire constants, kept whole on purpose
data.booked_at
data.voided_at
data.duplicates_dropped
data.stable
data.PERMISSION_DENIED  # the gRPC status table of the emulator
data.PRODUCTION_URL
data.ACTION_NAMES  # QT_TRANSLATE_NOOP markers: the header buttons' words for the translators
data.render_seconds  # PrintPayload timings: set, not yet shown anywhere
data.encode_seconds
prometheus = Whitelist()
prometheus.collect  # prometheus-client calls a Collector's collect() on each scrape

# ---------------------------------------------------------------- used only by tests or tools (shrink)
tested = Whitelist()
tested.waiting_for_printer
tested.forget_secrets
tested.read_async
tested.enter
tested.connected
tested.wait_connected
tested.create_and_book
tested.update_shipment
tested.cancel_shipment
tested.register_tracking_number
tested.is_booked
tested.is_valid_ean13
tested.delivery_by_tracking_number
tested.is_black
tested.black_dots
tested.plain_text
tested.encode_report
tested.clear_faults
tested.set_latency
tested.shipment_json
tested.requests_for
tested.seed_shipment
tested.seed_tos_order
tested.publish_status
tested.publish_message
tested.latest_view
tested.NullSoundPlayer
tested.washing
tested.has_image
tested.action_buttons
tested._bridge  # MainWindow keeps its bridge referenced (signals connected to it)
tested.for_shipment  # store.boxes: the tests read a shipment's boxes with it
tested.next_due_at
tested.set_label_delay  # the emulator's label-download delay, set by the crash tests
tested.METRIC_NAMES  # adapters.metrics: the monitoring files' test checks every metric they use is in it
tested.withhold_label_urls  # the emulator withholds label URLs (issue 12 item 7 tests)
tested.release_label_urls

# domain/parcel_claims.py: the cross-bench parcel rules, tested on their own; the outbox wiring (issue 12,
# item 1) gives them their callers, then these lines go.
tested.from_shipment
tested.PACK_EXTRA
tested.foreign_ids
tested.placeholder_ids
tested.wait_until
tested.to_cancel
tested.barcode_aliases  # the demo's EAN -> SKU table: the emulator tests and tools/screenshots_live.py

# Printers (issue 16): enum members and a settings field reached by value (PrinterLanguage("tspl"),
# getattr(config, PRINTER_ROLES[role])), never by name.
tested.TSPL
tested.EPL
tested.document_printer
tested.LETTER  # DocumentPaper("letter"): the document printer's paper=letter
tested.test_print_button  # the label printer's test button and result under their old names (GUI tests)
tested.test_print_result
tested.sequences  # gui/shortcuts.py: the shortcut tests read which key sequences the window claims
tested.tls_ready  # adapters/som/transport.py: the TLS-on-demand test reads whether the bundle was loaded
tested.collections  # services/gc_policy.py: the gc policy tests count the full collections it ran
tested.taken  # adapters/label_prefetch.py: tests and the box-to-label benchmark read how many were used
tested.set_clock  # emulator/model.py: the soak benchmark runs the emulator on its simulated clock
tested.is_held  # gui/foreground.py: the gate tests read whether a scan holds it
tested.application_wide  # gui/scanner.py: the scanner tests read whether it widened from the focus widget
