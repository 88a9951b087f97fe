"""Split ZPL II text into commands: prefix (``^`` or ``~``), a two-letter code and the raw argument text.

ZPL has no grammar beyond "a prefix, two characters, then everything up to the next prefix", with a few
exceptions this lexer knows about: field data (``^FD``/``^FV``) and comments (``^FX``) run to the next
caret only (a ``~`` inside a text is text), ``^GF``/``~DG`` graphic data may be binary, and ``^CC``/``~CC``,
``^CD``/``~CD``, ``^CT``/``~CT`` change the prefix and delimiter characters for the rest of the file
(ZebraDesigner starts its files with ``CT~~CD,~CC^~CT~``). A prefix doubled by accident (``^^FO``) is one
prefix. The text is handled as latin-1 so every byte is one character and binary data survives.
"""

from __future__ import annotations

import msgspec

_CHANGE_CHAR = {"CC", "CD", "CT"}
_RUN_TO_CARET = {"FD", "FV", "FX"}


class Command(msgspec.Struct, frozen=True):
    prefix: str  # "^" or "~" (normalised even when the file changed them)
    code: str  # two upper-case characters, e.g. "FO", "A0", "BC"
    args: str  # everything after the code up to the next command, unparsed
    delimiter: str = ","

    def params(self, count: int = 0) -> list[str]:
        """The comma-separated parameters (at least ``count`` of them, missing ones empty)."""
        parts = self.args.split(self.delimiter) if self.args else []
        parts = [p.strip() for p in parts]
        return parts + [""] * (count - len(parts))


def tokenize(text: str) -> list[Command]:
    """All commands in ``text``; text outside commands (line breaks, junk before the first one) is skipped."""
    caret, tilde, delim = "^", "~", ","
    out: list[Command] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch != caret and ch != tilde:
            i += 1
            continue
        prefix = "^" if ch == caret else "~"
        # a doubled prefix ("^^FO", "~~CD") is one prefix
        while i + 1 < n and text[i + 1] == ch:
            i += 1
        code = text[i + 1 : i + 3].upper()
        if len(code) < 2:
            break
        start = i + 3
        if code in _CHANGE_CHAR:
            new = text[start : start + 1]
            out.append(Command(prefix, code, new, delim))
            if new:
                if code == "CC":
                    caret = new
                elif code == "CT":
                    tilde = new
                else:
                    delim = new
            i = start + 1
            continue
        if code in _RUN_TO_CARET:
            end = text.find(caret, start)
        elif code == "GF" and text[start : start + 1].upper() == "B":
            end = _binary_end(text, start, delim, caret, tilde)
        else:
            end = _next_prefix(text, start, caret, tilde)
        if end < 0:
            end = n
        args = text[start:end]
        if code not in _RUN_TO_CARET and code != "GF" and code != "DG":
            args = args.rstrip("\r\n")
        out.append(Command(prefix, code, args, delim))
        i = end
    return out


def _next_prefix(text: str, start: int, caret: str, tilde: str) -> int:
    a = text.find(caret, start)
    b = text.find(tilde, start)
    if a < 0:
        return b
    if b < 0:
        return a
    return min(a, b)


def _binary_end(text: str, start: int, delim: str, caret: str, tilde: str) -> int:
    """End of a ``^GFB,count,...,data`` command: ``count`` raw bytes after the fourth delimiter."""
    pos = start
    fields = []
    for _ in range(4):
        nxt = text.find(delim, pos)
        if nxt < 0:
            return _next_prefix(text, start, caret, tilde)
        fields.append(text[pos:nxt])
        pos = nxt + 1
    try:
        count = int(fields[1])
    except ValueError:
        return _next_prefix(text, start, caret, tilde)
    return min(len(text), pos + max(0, count))
