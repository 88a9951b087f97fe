"""Generate the two feedback sounds in resources/sounds/ with the standard library only.

* ``good.wav``: one short, bright, clean beep (1760 Hz sine with soft edges), ~120 ms.
* ``error.wav``: a low, buzzy double tone (two 220 Hz square-ish bursts), ~520 ms, unmistakably
  different from the good beep even in a noisy warehouse.

Run after changing the recipe: ``.venv/bin/python tools/make_sounds.py``.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22_050
SOUNDS = Path(__file__).resolve().parent.parent / "resources" / "sounds"


def _envelope(i: int, n: int, fade: int) -> float:
    """Linear fade in/out so the tone starts and stops without clicks."""
    return min(1.0, i / fade, (n - 1 - i) / fade)


def sine(freq: float, ms: int, volume: float = 0.6) -> list[float]:
    n = RATE * ms // 1000
    fade = RATE * 8 // 1000
    return [volume * _envelope(i, n, fade) * math.sin(2 * math.pi * freq * i / RATE) for i in range(n)]


def buzz(freq: float, ms: int, volume: float = 0.55) -> list[float]:
    """A square-like wave (odd harmonics up to the 9th): harsh, low, hard to ignore."""
    n = RATE * ms // 1000
    fade = RATE * 6 // 1000
    samples = []
    for i in range(n):
        t = 2 * math.pi * freq * i / RATE
        wave_value = sum(math.sin(k * t) / k for k in (1, 3, 5, 7, 9)) * 4 / math.pi
        samples.append(volume * _envelope(i, n, fade) * max(-1.0, min(1.0, wave_value)))
    return samples


def silence(ms: int) -> list[float]:
    return [0.0] * (RATE * ms // 1000)


def write(path: Path, samples: list[float]) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"".join(struct.pack("<h", int(s * 32767)) for s in samples))


def main() -> None:
    SOUNDS.mkdir(parents=True, exist_ok=True)
    write(SOUNDS / "good.wav", sine(1760, 120))
    write(SOUNDS / "error.wav", buzz(220, 220) + silence(80) + buzz(196, 220))
    for name in ("good.wav", "error.wav"):
        print(SOUNDS / name, (SOUNDS / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
