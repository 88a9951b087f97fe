"""ZPL renderer, command by command: geometry on whole dots, graphics decoding, state, warnings, detection,
and the compressed ^GF encoders rendering back identical."""

from __future__ import annotations

import base64
import logging
import random
import zlib

import pytest
import zxingcpp
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image

from packstation.adapters.labels import LabelFormat, LabelPipeline, Target, detect_label_format
from packstation.adapters.labels.encode import encode_zpl_graphic
from packstation.adapters.labels.raster import Head, mono_to_pil
from packstation.adapters.labels.zpl import ZplError, render_zpl
from packstation.adapters.labels.zpl.compress import Compression, ascii_rle, encode_labels
from packstation.adapters.labels.zpl.graphics import crc16
from packstation.domain.raster import MonoImage


def render(zpl: str, dpi: int = 203, **kw) -> MonoImage:
    [image] = render_zpl(zpl.encode("latin-1"), dpi=dpi, **kw).images
    return image


def row_runs(image: MonoImage, y: int) -> list[tuple[bool, int]]:
    runs: list[tuple[bool, int]] = []
    for x in range(image.width):
        black = image.is_black(x, y)
        if runs and runs[-1][0] == black:
            runs[-1] = (black, runs[-1][1] + 1)
        else:
            runs.append((black, 1))
    return runs


def read(image: MonoImage) -> list[str]:
    return sorted(b.text for b in zxingcpp.read_barcodes(mono_to_pil(image).convert("L")))


# --- barcodes on the dot grid ---------------------------------------------------------------------------


@pytest.mark.parametrize(("dpi", "module"), [(203, 2), (300, 3), (600, 6)])
def test_code128_modules_are_whole_dots_at_every_resolution(dpi, module):
    """^BY2 is 2 dots at 203 dpi; at 300 dpi 2.96 would smear bars, so every module is 3 whole dots."""
    image = render("^XA^FO20,0^BY2^BCN,40,N,N,N^FDTRACK-4711^FS^XZ", dpi)
    bars = row_runs(image, 5)[1:-1]  # inside the white margins
    assert bars and all(width % module == 0 for _, width in bars)
    assert {width // module for _, width in bars} <= {1, 2, 3, 4}
    assert read(image) == ["TRACK-4711"]


def test_interleaved_2_of_5_uses_the_by_ratio_in_whole_dots():
    image = render("^XA^PW300^FO30,0^BY2,3^B2N,40,N,N,N^FD12345678^FS^XZ")
    widths = {width for _, width in row_runs(image, 5)[1:-1]}
    assert widths == {2, 6}  # narrow 2 dots, wide 3x
    assert read(image) == ["12345678"]


def test_code39_check_character_is_mod_43():
    image = render("^XA^FO10,0^BY2^B3N,Y,60,N,N^FDABC123^FS^XZ")
    assert read(image) == ["ABC123" + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"[(10 + 11 + 12 + 6) % 43]]


def test_code128_ucc_case_mode_pads_and_adds_the_check_digit():
    from packstation.domain.gs1 import gs1_check_digit

    image = render("^XA^PW500^FO20,0^BY2^BCN,60,N,N,N,U^FD0037350000123456^FS^XZ")
    # padded with zeros to 19 digits, then the mod-10 check digit: an SSCC under AI 00
    digits = "0037350000123456000"
    assert read(image) == [f"(00){digits[2:]}{gs1_check_digit(digits)}"]


def test_unsupported_barcode_warns_and_draws_nothing(expected_log):
    expected_log.allow("not supported")
    result = render_zpl(b"^XA^FO10,10^A0N,20,20^FDhello^FS^FO10,50^BZN,40^FD12345^FS^XZ")
    assert any("^BZ" in w for w in result.warnings)
    [image] = result.images
    assert image.height < 50  # only the text: the postal code's digits were not drawn as text


def test_qr_magnification_scales_to_whole_dots():
    small = render("^XA^FO0,0^BQN,2,3^FDQA,HELLO^FS^XZ")
    large = render("^XA^FO0,0^BQN,2,3^FDQA,HELLO^FS^XZ", 300)
    assert small.width == 21 * 3 and large.width == 21 * 4  # version 1 is 21 modules; 3 * 1.48 -> 4
    assert read(small) == read(large) == ["HELLO"]


# --- fields and text ------------------------------------------------------------------------------------


def test_field_typeset_puts_the_baseline_on_y():
    top = render("^XA^PW200^LL100^FO10,10^A0N,40,40^FDH^FS^XZ")
    typeset = render("^XA^PW200^LL100^FT10,50^A0N,40,40^FDH^FS^XZ")
    rows = [y for y in range(typeset.height) if any(typeset.is_black(x, y) for x in range(typeset.width))]
    assert rows[-1] in (48, 49)  # "H" sits on the baseline at y = 50
    assert top.black_dots() == typeset.black_dots()


def test_field_reverse_prints_white_on_black():
    image = render("^XA^PW200^LL60^FO0,0^GB200,60,60^FS^FO10,10^A0N,40,40^FR^FDHI^FS^XZ")
    assert image.black_dots() < 200 * 60  # the letters are white holes
    assert image.is_black(199, 59)


def test_label_reverse_applies_to_every_field_until_turned_off():
    on = render("^XA^PW100^LL40^FO0,0^GB100,40,40^FS^LRY^FO0,0^GB50,40,40^FS^LRN^FO80,0^GB5,5,5^FS^XZ")
    assert not on.is_black(10, 10) and on.is_black(60, 10)
    assert on.is_black(82, 2)  # drawn after ^LRN: ink again (on black it stays black)


def test_print_orientation_inverted_turns_the_page_180_degrees():
    zpl = "^XA^PW300^LL200{po}^FO10,10^A0N,30,30^FDTOP LEFT^FS^FO200,150^GB50,20,20^FS^XZ"
    upright = mono_to_pil(render(zpl.format(po="")))
    inverted = mono_to_pil(render(zpl.format(po="^POI")))
    assert inverted.tobytes() == upright.transpose(Image.Transpose.ROTATE_180).tobytes()


def test_label_home_and_shift_move_fields():
    image = render("^XA^PW100^LL100^LH20,30^LS5^FO0,0^GB10,10,10^FS^XZ")
    assert image.is_black(15, 30) and not image.is_black(14, 30) and not image.is_black(15, 29)


def test_field_block_wraps_and_centres():
    zpl = "^XA^PW200^LL200^FO0,0^A0N,30,30^FB200,3,0,{j}^FDone two three four five six seven^FS^XZ"
    centred, flush = render(zpl.format(j="C")), render(zpl.format(j="L"))
    rows_with_ink = [y for y in range(centred.height) if any(centred.is_black(x, y) for x in range(200))]
    assert rows_with_ink[-1] > 60  # wrapped onto three lines
    last = range(rows_with_ink[-1] - 10, rows_with_ink[-1])

    def left(image):
        return min(x for x in range(200) for y in last if image.is_black(x, y))

    assert left(flush) < 5 < 20 < left(centred)


def test_hex_escapes_with_utf8_and_code_page_850():
    utf8 = render("^XA^CI28^FO0,0^A0N,30,30^FH^FD_C3_85^FS^XZ")
    cp850 = render("^XA^CI0^FO0,0^A0N,30,30^FH^FD_8F^FS^XZ")
    literal = render("^XA^CI28^FO0,0^A0N,30,30^FD\u00c5^FS^XZ".encode().decode("latin-1"))
    assert utf8 == cp850 == literal  # all three are "Å"


def test_rotated_text_is_turned_a_quarter():
    normal = render("^XA^FO0,0^A0N,30,30^FDWIDE TEXT^FS^XZ")
    rotated = render("^XA^FO0,0^A0R,30,30^FDWIDE TEXT^FS^XZ")
    assert (rotated.width, rotated.height) == (normal.height, normal.width)


def test_several_formats_print_several_pages_and_settings_persist():
    result = render_zpl(b"^XA^PW200^LL50^FO0,0^GB10,10,10^FS^XZ^XA^FO0,0^GB10,10,10^FS^XZ")
    assert [(i.width, i.height) for i in result.images] == [(200, 50), (200, 50)]


def test_setup_commands_are_accepted_without_warnings():
    result = render_zpl(b"~SD15^XA^MNY^MTD^MMT^MD10^PR4,4^JUS^PQ3,0,1,Y^LT0^FO0,0^GB20,20,20^FS^XZ~JA")
    assert result.warnings == ()


def test_unknown_commands_are_warned_about(expected_log):
    expected_log.allow("not supported")
    result = render_zpl(b"^XA^FO0,0^GB20,20,20^FS^ZQ1^XZ")
    assert result.warnings == ("^ZQ is not supported and was ignored",)


def test_a_file_without_labels_is_a_clear_error():
    with pytest.raises(ZplError, match="no label"):
        render_zpl(b"^XA^MMT^XZ")


def test_template_field_without_a_value_prints_nothing():
    pages = render_zpl(
        b"^XA^DFR:T.ZPL^FS^FO0,0^GB10,10,10^FS^FO0,20^A0N,30,30^FN1^FDprompt^FS^XZ^XA^XFR:T.ZPL^FS^XZ"
    ).images
    assert [p.height for p in pages] == [10]


# --- graphics -------------------------------------------------------------------------------------------


def test_gb_rounding_clears_the_corners():
    square = render("^XA^FO0,0^GB80,80,80,B,0^FS^XZ")
    round_ = render("^XA^FO0,0^GB80,80,80,B,8^FS^XZ")
    assert square.is_black(0, 0) and not round_.is_black(0, 0) and round_.is_black(40, 40)


def test_gb_white_erases():
    image = render("^XA^PW50^LL50^FO0,0^GB50,50,50^FS^FO10,10^GB10,10,10,W^FS^XZ")
    assert not image.is_black(15, 15) and image.is_black(5, 5)


def test_ascii_hex_run_length_letters_commas_bangs_and_colons():
    # 2 bytes a row: "FF00" | ":" repeats it | "!" black row | "," white row | "I0F" = "000F"
    image = render("^XA^FO0,0^GFA,10,10,2,FFH0:!,I0F^FS^XZ")
    rows = [image.row(y) for y in range(5)]
    assert rows == [b"\xff\x00", b"\xff\x00", b"\xff\xff", b"\x00\x00", b"\x00\x0f"]


def test_z64_and_b64_graphics_decode_and_a_bad_crc_is_warned_about(expected_log):
    expected_log.allow("CRC")
    raw = bytes([0xF0, 0x0F] * 4)
    b64 = base64.b64encode(zlib.compress(raw)).decode()
    good = render_zpl(f"^XA^FO0,0^GFA,8,8,2,:Z64:{b64}:{crc16(b64)}^FS^XZ".encode())
    assert good.warnings == () and good.images[0].row(0) == b"\xf0\x0f"
    plain = base64.b64encode(raw).decode()
    bad = render_zpl(f"^XA^FO0,0^GFA,8,8,2,:B64:{plain}:0000^FS^XZ".encode())
    assert bad.images[0].row(3) == b"\xf0\x0f"
    assert any("CRC 0000" in w for w in bad.warnings)


def test_download_graphic_recalled_with_magnification():
    one = render("~DGR:DOT.GRF,2,1,80,00^XA^FO0,0^XGR:DOT.GRF,1,1^FS^XZ")
    twice = render("~DGR:DOT.GRF,2,1,80,00^XA^FO0,0^XGDOT.GRF,2,2^FS^XZ")
    assert one.black_dots() == 1 and twice.black_dots() == 4


def test_missing_stored_graphic_is_a_warning(expected_log):
    expected_log.allow("never downloaded")
    result = render_zpl(b"^XA^FO0,0^GB5,5,5^FS^FO10,10^XGR:NONE.GRF^FS^XZ")
    assert any("NONE.GRF" in w for w in result.warnings)


# --- fitting to a head ----------------------------------------------------------------------------------


def test_a_4_inch_label_is_drawn_smaller_for_a_576_dot_head_with_whole_dot_bars():
    zpl = "^XA^PW812^FO0,0^GB812,10,10^FS^FO40,40^BY3^BCN,100,N,N,N^FDFIT-576-0001^FS^XZ"
    image = render(zpl, max_width=576)
    assert 560 <= image.width <= 576  # the pipeline then centres it on the head
    bars = row_runs(image, 60)[1:-1]
    assert all(width % 2 == 0 for _, width in bars)  # ^BY3 at 0.71 -> 2 whole dots
    assert read(image) == ["FIT-576-0001"]


# --- detection (issue 13 item 3) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"^CI28\n^XA^FO0,0^FDx^FS^XZ",
        b"^FX made by the carrier's system\n^XA^XZ",
        b"CT~~CD,~CC^~CT~\r\n^XA~TA000^XZ",
        b"~DGR:LOGO.GRF,20000,50," + b"FF" * 20000 + b"\n^XA^XGR:LOGO.GRF^FS^XZ",
        b"\xef\xbb\xbf\r\n  ^XA^XZ",
        b"\n\n\t   ~SD20\n^XA^XZ",
    ],
    ids=["ci28", "fx", "zebradesigner", "large-dg", "bom", "whitespace"],
)
def test_zpl_is_recognised_after_any_preamble(data):
    assert detect_label_format(data) is LabelFormat.ZPL


def test_text_that_only_mentions_xa_is_not_zpl():
    with pytest.raises(Exception, match="plain text"):
        detect_label_format(b"Hello, this file talks about ^XA but is not a label")


def test_zebradesigner_file_prints_through_the_pipeline():
    data = b"CT~~CD,~CC^~CT~\r\n^XA^PW400^FO20,20^BY2^BCN,80,Y,N,N^FDZD-0001^FS^XZ"
    payload = LabelPipeline().prepare(data, target=Target(width=576, preview=True))
    assert read(payload.images[0]) == ["ZD-0001"]


# --- compressed graphics for ZPL printers (issue 13 item 5) ---------------------------------------------


def random_label(seed: int, width: int = 203, height: int = 120) -> MonoImage:
    rng = random.Random(seed)
    rows = []
    row_bytes = (width + 7) // 8
    previous = bytes(row_bytes)
    for _ in range(height):
        kind = rng.random()
        if kind < 0.2:
            row = previous
        elif kind < 0.3:
            row = b"\xff" * row_bytes
        elif kind < 0.4:
            row = bytes(row_bytes)
        else:
            row = bytes(rng.choice([0, 0, 0xFF, 0xFF, rng.randrange(256)]) for _ in range(row_bytes))
        if width % 8:
            row = row[:-1] + bytes([row[-1] & (0xFF << (8 - width % 8)) & 0xFF])
        rows.append(row)
        previous = row
    return MonoImage(width, height, b"".join(rows))


@pytest.mark.parametrize("compression", [Compression.Z64, Compression.ASCII_RLE])
@pytest.mark.parametrize("seed", range(6))
def test_compressed_graphics_render_back_identical(seed, compression):
    image = random_label(seed, width=203 + seed * 37)
    zpl = encode_labels([image], image.width, compression)
    assert render(zpl.decode(), source_dpi=203) == image


def test_run_length_encoding_uses_all_its_shorthands():
    data = b"\x00\x00\x00\x0f" + b"\x00\x00\x00\x0f" + b"\xff" * 4 + bytes(4) + b"\xab\xff\xff\xff"
    text = ascii_rle(data, 4)
    assert text == "M0F:!,AB!"


def test_raster_labels_sent_to_zpl_printers_are_compressed_and_identical():
    from packstation.domain import labelgen

    images = LabelPipeline().render(labelgen.make_label("png", tracking_number="Z64-1"), None, Head(832))[1]
    out = encode_zpl_graphic(images, Head(832))
    uncompressed = sum(len(i.data) * 2 for i in images)
    assert len(out) * 10 < uncompressed  # far smaller than plain hex
    assert render_zpl(out, source_dpi=203).images == tuple(images)


# --- bad input ------------------------------------------------------------------------------------------


def test_absurd_sizes_become_warnings_not_gigabytes(expected_log):
    expected_log.allow("too large")
    result = render_zpl(
        b"^XA^FO0,0^GB20,20,20^FS^FO0,0^GB99999,99999,5^FS^FO0,0^A0N,9000,9000^FDbig^FS"
        b"^FO0,0^BY10^BCN,30000^FD123^FS^XZ"
    )
    assert result.images[0].width == 20
    assert sum("too large" in w for w in result.warnings) == 3


_TOKENS = st.sampled_from(
    [
        "^XA",
        "^XZ",
        "^FO10,10",
        "^FT20,80",
        "^FS",
        "^FDab,c",
        "^FH",
        "^FR",
        "^A0N,30",
        "^ADR,18,10",
        "^A@B,20,20,E:X.TTF",
        "^CF0,40",
        "^FB100,2,0,C",
        "^GB50,20,3,B,4",
        "^GC40,3",
        "^GE30,10,2",
        "^GD30,30,3,,L",
        "^GFA,4,4,1,FFH0",
        "^GFA,8,8,2,:Z64:eJxjYGBgAAAABAAB:0000",
        "^BY2,2.5,40",
        "^BCN,50,Y,N,N,D",
        "^BCN,,,,,U",
        "^B3N,Y",
        "^B2N",
        "^BEN",
        "^BQN,2,3",
        "^FDQA,x",
        "^BXN,4",
        "^B7N,4",
        "^BON",
        "^BD3",
        "^PW300",
        "^LL200",
        "^LH5,5",
        "^LS3",
        "^LT2",
        "^POI",
        "^FWR",
        "^CI28",
        "^LRY",
        "^DFR:A.ZPL",
        "^XFA",
        "^FN1",
        "^FV9",
        "~DGR:G.GRF,2,1,FF00",
        "^XGR:G.GRF,2,2",
        "^IMG",
        "^^",
        "~~",
        "^",
        "~",
        ",",
        ">8",
        ">;",
        "_C3",
        "\n",
        "^ZZ9",
        "^CC+",
        "+XA",
    ]
)


@settings(max_examples=80, deadline=None)
@given(parts=st.lists(st.one_of(_TOKENS, st.text(max_size=6)), max_size=30))
@example(parts=["^FDQA,x", "\x1e"])  # found by it: a control character in text failed FreeType's layout
def test_any_command_soup_renders_or_fails_with_a_message(parts):
    """No input crashes the renderer: it draws pages (with warnings) or raises a ZplError."""
    logging.getLogger("packstation.adapters.labels.zpl").setLevel(logging.ERROR)  # warnings are expected
    try:
        result = render_zpl(("^XA" + "".join(parts) + "^XZ").encode("utf-8"), dpi=300)
    except ZplError as exc:
        assert exc.user_message
    else:
        assert result.images and all(i.width > 0 for i in result.images)
    finally:
        logging.getLogger("packstation.adapters.labels.zpl").setLevel(logging.NOTSET)


def test_text_block_tb_wraps_inside_its_box_and_cuts_the_rest():
    zpl = "^XA^PW300^LL300^FO0,0^A0N,30,30^TBN,150,{h}^FDone two three four five six seven eight^FS^XZ"
    two_lines, all_lines = render(zpl.format(h=60)), render(zpl.format(h=300))
    assert 0 < two_lines.black_dots() < all_lines.black_dots()
    assert not any(two_lines.is_black(x, y) for x in range(300) for y in range(70, 300))


def test_ink_below_the_label_length_is_warned_about(expected_log):
    expected_log.allow("below its length")
    result = render_zpl(b"^XA^PW100^LL50^FO0,40^GB20,30,20^FS^XZ")
    assert result.images[0].height == 50
    assert any("below its length" in w for w in result.warnings)
