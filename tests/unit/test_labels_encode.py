"""Our own ``GS v 0`` framing (issue 13 item 6) sends exactly the bytes python-escpos ``image()`` sent,
for every shape of page: narrow, head-wide, taller than one band, a width that is not whole bytes."""

from __future__ import annotations

import random

import pytest

from packstation.adapters.labels.encode import BAND_ROWS, encode_escpos
from packstation.adapters.labels.raster import Head
from packstation.domain.raster import MonoImage
from tests.support.escpos_decode import decode_escpos
from tests.support.escpos_image_encoder import encode_escpos_with_escpos_image


def noise(width: int, height: int, seed: int) -> MonoImage:
    rng = random.Random(seed)
    row_bytes = (width + 7) // 8
    keep = (0xFF << (-width % 8)) & 0xFF  # padding bits past the last dot are white
    rows = [
        bytes([*(rng.getrandbits(8) for _ in range(row_bytes - 1)), rng.getrandbits(8) & keep])
        for _ in range(height)
    ]
    return MonoImage(width, height, b"".join(rows))


@pytest.mark.parametrize(
    ("width", "height", "head"),
    [(576, 1, 576), (576, BAND_ROWS, 576), (832, 1218, 832), (831, BAND_ROWS + 1, 832), (100, 3000, 576)],
)
@pytest.mark.parametrize("cut", [True, False])
def test_own_framing_sends_the_bytes_python_escpos_sent(width, height, head, cut):
    pages = [noise(width, height, 1), noise(width, height, 2)]
    ours = encode_escpos(pages, Head(head), cut=cut)
    assert ours == encode_escpos_with_escpos_image(pages, Head(head), cut=cut)
    decoded = decode_escpos(ours)
    assert decoded.cuts == (2 if cut else 0)
    if cut:
        assert [p.data for p in decoded.pages] == [p.data for p in pages]
