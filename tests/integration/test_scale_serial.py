"""RS-232 scale heads through the real pyserial (a ``socket://`` port to a fake head): the NCI/Avery/CAS
"W" poll, Mettler Toledo SICS and CAS continuous output, decoded into the same readings (and weight gate)
as a USB scale; plus the setting's grammar and the line decoder on its own."""

from __future__ import annotations

import pytest

from packstation.adapters.scale import ScaleNotFoundError, ScaleTimeoutError, scale_from_setting
from packstation.adapters.scale_serial import SerialScale
from packstation.domain.scale import ScaleReportError, ScaleStatus, decode_serial_weight
from packstation.domain.setting_grammars import ScaleKind, SerialScaleProtocol, SettingValueError, parse_scale
from tests.support.fake_serial_scale import FakeSerialScale


@pytest.fixture
def head(request):
    scale = FakeSerialScale(request.param, grams=1250)
    yield scale
    scale.close()


@pytest.mark.parametrize(
    ("head", "query"),
    [("nci", ""), ("sics", "&command=S"), ("cas", "&protocol=continuous")],
    indirect=["head"],
)
def test_each_protocol_gives_a_stable_weight_then_motion(head, query):
    scale = scale_from_setting(f"serial:{head.url}?baud=9600{query}")
    assert isinstance(scale, SerialScale)
    try:
        reading = scale.read(timeout_ms=1000)
        assert (reading.grams, reading.stable, reading.status) == (1250, True, ScaleStatus.STABLE)
        assert reading.display == "1.250 kg" and reading.source == "serial"
        head.moving, head.grams = True, 1300
        moving = scale.read(timeout_ms=1000)
        for _ in range(5):  # a continuous head may still have an older line in flight
            if moving.grams == 1300:
                break
            moving = scale.read(timeout_ms=1000)
        assert (moving.grams, moving.stable) == (1300, False)
    finally:
        scale.close()
    if head.protocol == "nci":
        assert head.requests[:2] == [b"W", b"W"]


@pytest.mark.parametrize("head", ["nci"], indirect=True)
def test_a_head_that_does_not_answer_the_command_times_out_in_words(head):
    scale = scale_from_setting(f"serial:{head.url}?command=Q")
    try:
        with pytest.raises(ScaleTimeoutError, match="sent no weight"):
            scale.read(timeout_ms=300)
    finally:
        scale.close()


def test_a_missing_port_says_so():
    scale = scale_from_setting("serial:/dev/ttyPACKSTATION-NONE")
    with pytest.raises(ScaleNotFoundError, match="serial scale /dev/ttyPACKSTATION-NONE is not there"):
        scale.read(timeout_ms=100)


def test_the_serial_scale_setting():
    parsed = parse_scale("serial:COM3?baud=4800&protocol=continuous")
    assert (parsed.kind, parsed.port, parsed.baudrate, parsed.protocol) == (
        ScaleKind.SERIAL,
        "COM3",
        4800,
        SerialScaleProtocol.CONTINUOUS,
    )
    assert parsed.weight_mode == "scale" and parse_scale("serial:/dev/ttyUSB0").command == "W"
    for bad in ("serial:", "serial:COM3?baud=fast", "serial:COM3?protocol=push", "serial:COM3?parity=E"):
        with pytest.raises(SettingValueError):
            parse_scale(bad)


@pytest.mark.parametrize(
    ("line", "status", "grams", "stable"),
    [
        ("S S      1.250 kg", "", 1250, True),
        ("S D      0.480 kg", "", 480, False),
        ("ST,GS,   2.000kg", "", 2000, True),
        ("US,GS,   2.000kg", "", 2000, False),
        ("  3.50lb", "S00", 1588, True),
        ("  3.50lb", "SM0", 1588, False),
        ("   850 g", "", 850, True),
        ("S S      0.000 kg", "", 0, True),
    ],
)
def test_weight_lines_of_the_common_heads(line, status, grams, stable):
    reading = decode_serial_weight(line, status)
    assert (reading.grams, reading.stable) == (grams, stable)


def test_overload_and_noise_are_not_weights():
    assert decode_serial_weight("OL,GS,  ------kg").status is ScaleStatus.OVER_WEIGHT
    assert decode_serial_weight("S +").status is ScaleStatus.OVER_WEIGHT
    for noise in ("?", "S I", "ES", ""):
        with pytest.raises(ScaleReportError):
            decode_serial_weight(noise)
