"""Pure Code 128 encoder (code sets B and C with automatic switching).

Gives the symbol values, the bar/space widths or the module string ("1" = bar) of a Code 128
symbol, check symbol and stop pattern included. Quiet zones (at least 10 modules each side) are the
caller's business, because their size depends on where the symbol is drawn.
Digit runs go to code set C (two digits per symbol) when that makes the symbol shorter, following
the usual minimal-length rules of ISO/IEC 15417 annex E.
"""

from __future__ import annotations

# Bar/space widths of symbol values 0..105 (6 elements, 11 modules) and of the stop (7 elements, 13).
_PATTERNS = [
    "212222",
    "222122",
    "222221",
    "121223",
    "121322",
    "131222",
    "122213",
    "122312",
    "132212",
    "221213",
    "221312",
    "231212",
    "112232",
    "122132",
    "122231",
    "113222",
    "123122",
    "123221",
    "223211",
    "221132",
    "221231",
    "213212",
    "223112",
    "312131",
    "311222",
    "321122",
    "321221",
    "312212",
    "322112",
    "322211",
    "212123",
    "212321",
    "232121",
    "111323",
    "131123",
    "131321",
    "112313",
    "132113",
    "132311",
    "211313",
    "231113",
    "231311",
    "112133",
    "112331",
    "132131",
    "113123",
    "113321",
    "133121",
    "313121",
    "211331",
    "231131",
    "213113",
    "213311",
    "213131",
    "311123",
    "311321",
    "331121",
    "312113",
    "312311",
    "332111",
    "314111",
    "221411",
    "431111",
    "111224",
    "111422",
    "121124",
    "121421",
    "141122",
    "141221",
    "112214",
    "112412",
    "122114",
    "122411",
    "142112",
    "142211",
    "241211",
    "221114",
    "413111",
    "241112",
    "134111",
    "111242",
    "121142",
    "121241",
    "114212",
    "124112",
    "124211",
    "411212",
    "421112",
    "421211",
    "212141",
    "214121",
    "412121",
    "111143",
    "111341",
    "131141",
    "114113",
    "114311",
    "411113",
    "411311",
    "113141",
    "114131",
    "311141",
    "411131",
    "211412",
    "211214",
    "211232",
]
_STOP = "2331112"

START_B = 104
START_C = 105
CODE_B = 100  # in code set C: switch to B
CODE_C = 99  # in code set B: switch to C
STOP = 106

QUIET_ZONE_MODULES = 10


class Code128Error(ValueError):
    """The text cannot be encoded in Code 128 sets B/C (printable ASCII only)."""


def _digit_run(text: str, start: int) -> int:
    end = start
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    return end - start


def _check_encodable(text: str) -> None:
    if not text:
        raise Code128Error("cannot encode an empty text in Code 128")
    for char in text:
        if not 32 <= ord(char) <= 126:
            raise Code128Error(f"character {char!r} cannot be encoded (printable ASCII only)")


def encode_values(text: str) -> list[int]:
    """Symbol values: start, data, check symbol, stop."""
    _check_encodable(text)
    values: list[int] = []
    pos = 0
    n = len(text)
    first_run = _digit_run(text, 0)
    if first_run % 2 == 0 and (first_run == n or first_run >= 4):
        code_set = "C"
        values.append(START_C)
    else:
        # An odd leading digit run is handled by the loop: one digit in B, then the rest in C.
        code_set = "B"
        values.append(START_B)
    while pos < n:
        run = _digit_run(text, pos)
        if code_set == "C":
            if run >= 2:
                values.append(int(text[pos : pos + 2]))
                pos += 2
            else:
                values.append(CODE_B)
                code_set = "B"
            continue
        # In set B: a digit run pays for the switch symbol at 4 digits at either end, 6 in the middle.
        at_edge = pos + run == n or pos == 0
        if run >= (4 if at_edge else 6) and run % 2 == 0:
            values.append(CODE_C)
            code_set = "C"
            continue
        values.append(ord(text[pos]) - 32)
        pos += 1
    checksum = values[0]
    for weight, value in enumerate(values[1:], start=1):
        checksum += weight * value
    values.append(checksum % 103)
    values.append(STOP)
    return values


def bar_widths(text: str) -> list[int]:
    """Alternating bar/space widths in modules, starting and ending with a bar."""
    widths: list[int] = []
    for value in encode_values(text):
        pattern = _STOP if value == STOP else _PATTERNS[value]
        widths.extend(int(c) for c in pattern)
    return widths


def modules(text: str) -> str:
    """The symbol as a string of modules, "1" for bar and "0" for space, without quiet zones."""
    out = []
    for index, width in enumerate(bar_widths(text)):
        out.append(("1" if index % 2 == 0 else "0") * width)
    return "".join(out)


def bars(text: str) -> list[tuple[int, int]]:
    """Bars as (start module, width in modules), without quiet zones: what renderers draw."""
    result = []
    x = 0
    for index, width in enumerate(bar_widths(text)):
        if index % 2 == 0:
            result.append((x, width))
        x += width
    return result


def symbol_width(text: str) -> int:
    """Width of the symbol in modules, without quiet zones."""
    return sum(bar_widths(text))
