"""Bytes → text, or a ``SeedError`` saying why not: size caps, binary formats recognised by their
leading bytes, BOMs, UTF-16 without one, UTF-8 with stray Windows-1252 bytes, control characters.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from kb.errors import InputError

# The largest seed file read. A case report converted to text is 10–200 kB and a long review
# with its reference list stays under 2 MB; a bigger file is almost surely not an article (and
# extraction would take hours). Parsing itself is linear: see the module docstring.
MAX_SEED_BYTES = 10 * 1024 * 1024


class SeedError(InputError):
    """The input cannot be read as a seed article (missing, empty, binary, too large, no text)."""


def read_limited(path: Path, limit: int = MAX_SEED_BYTES) -> bytes:
    """The bytes of a file, at most ``limit`` + 1 of them (so ``/dev/zero`` or an endless pipe is
    refused as too large, not read into memory). Every reason the path cannot be read — missing,
    a directory, no permission, an I/O error — is a ``SeedError`` naming the path."""
    if path.is_dir():
        raise SeedError(f"{path}: is a directory, not a seed file")
    try:
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except FileNotFoundError:
        raise SeedError(f"{path}: no such file") from None
    except PermissionError:
        raise SeedError(f"{path}: permission denied (the file cannot be read)") from None
    except IsADirectoryError:
        raise SeedError(f"{path}: is a directory, not a seed file") from None
    except OSError as exc:
        raise SeedError(f"{path}: cannot be read: {exc.strerror or exc}") from None


# formats mistaken for text: (leading bytes, what they are, what to do)
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "a PDF document", ": convert it to text or Markdown first"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", ""),
    (b"\xff\xd8\xff", "a JPEG image", ""),
    (b"GIF87a", "a GIF image", ""),
    (b"GIF89a", "a GIF image", ""),
    (b"II*\x00", "a TIFF image", ""),
    (b"MM\x00*", "a TIFF image", ""),
    (b"\x1f\x8b", "a gzip archive", ": decompress it first"),
    (b"PK\x03\x04", "a ZIP archive or an Office document (.docx, .odt)", ": save it as text"),
    (b"PK\x05\x06", "an empty ZIP archive", ""),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office document (.doc)", ": save it as text"),
    (b"\xfd7zXZ\x00", "an xz archive", ": decompress it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", ": decompress it first"),
    (b"(\xb5/\xfd", "a Zstandard archive", ": decompress it first"),
    (b"\x7fELF", "an executable (ELF)", ""),
    (b"SQLite format 3\x00", "an SQLite database", ""),
)
_BZIP2 = re.compile(rb"BZh[1-9]1AY&SY")
_BOMS: tuple[tuple[bytes, str], ...] = (  # UTF-32 first: its LE BOM begins like UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# one well-formed UTF-8 sequence of two to four bytes
_UTF8_SEQ = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_HIGH_BYTES = bytes(range(0x80, 0x100))
_CP1252 = [bytes([b]).decode("cp1252", errors="replace") for b in range(256)]
# C0/C1 control characters other than the whitespace ones (\t \n \v \f \r, \x1c-\x1f, U+0085):
# never text; terminal escapes among them. Replaced one for one by U+FFFD (offsets hold).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_BINARY_SHARE = 0.05  # more than this share of odd characters in the first 64 kB: not text


def _cp1252_bytes(err: UnicodeError) -> tuple[str, int]:
    """Decode error handler: bytes that are not UTF-8 read as Windows-1252, one by one."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    return "".join(_CP1252[b] for b in err.object[err.start : err.end]), err.end


codecs.register_error("casebook-cp1252", _cp1252_bytes)


def decode_text(data: bytes, source: str = "<bytes>") -> str:
    """The text of a seed file, or a ``SeedError`` saying why it has none.

    UTF-32/UTF-16/UTF-8 by their BOM; UTF-16 without BOM by its NUL bytes; else UTF-8, with any
    bytes that are not UTF-8 read as Windows-1252 (files pasted together from both), or all of it
    as Windows-1252 (a superset of Latin-1's printable characters) when most of its non-ASCII
    bytes are not UTF-8. The text is kept as written, except control characters other than
    whitespace, which become U+FFFD one for one. Deterministic: the same bytes give the same text,
    so offsets found in it index any later decoding.
    """
    if len(data) > MAX_SEED_BYTES:
        raise too_large(source, len(data))
    if not data.strip():
        raise SeedError(f"{source}: the file is empty" + (" (only whitespace)" if data else ""))
    for magic, what, hint in _MAGIC:
        if data.startswith(magic):
            raise SeedError(f"{source}: a binary file ({what}), not plain text or Markdown{hint}")
    if _BZIP2.match(data):
        raise SeedError(f"{source}: a binary file (a bzip2 archive), not plain text or Markdown")
    text = _decode(data)
    if not text.strip():
        raise SeedError(f"{source}: the file is empty (no text after decoding)")
    if "\x00" in text:
        raise SeedError(
            f"{source}: this looks like a binary file (it contains NUL bytes), "
            "not plain text or Markdown"
        )
    sample = text[:65536]
    odd = len(_CONTROL.findall(sample)) + sum(
        1
        for c in sample
        if c > "\x7f" and (c == "\ufffd" or unicodedata.category(c) in {"Cn", "Co", "Cs"})
    )
    if odd > max(16, _BINARY_SHARE * len(sample)):
        share = 100 * odd / len(sample)
        raise SeedError(
            f"{source}: this looks like a binary file, not plain text or Markdown "
            f"({share:.0f}% of its first characters are control, unassigned or undecodable)"
        )
    return _CONTROL.sub("\ufffd", text)


def too_large(source: str, size: int | None) -> SeedError:
    what = f"{size / 2**20:.1f} MB" if size else "the file"
    return SeedError(
        f"{source}: {what} is larger than the seed size limit of {MAX_SEED_BYTES // 2**20} MB "
        "(a case report is well under 1 MB); is this the right file?"
    )


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding == "utf-8":
                return data[len(bom) :].decode("utf-8", errors="casebook-cp1252")
            return data[len(bom) :].decode(encoding, errors="replace")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    high = len(data) - len(data.translate(None, _HIGH_BYTES))
    in_utf8 = sum(len(seq) for seq in _UTF8_SEQ.findall(data))
    if 2 * in_utf8 >= high:  # mostly UTF-8, a few stray bytes
        return data.decode("utf-8", errors="casebook-cp1252")
    return data.decode("cp1252", errors="casebook-cp1252")


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'-be' when the NUL bytes fall on one side of most pairs (ASCII in UTF-16)."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2 or b"\x00" not in sample:
        return None
    even, odd = sample[0 : 2 * pairs : 2].count(0), sample[1 : 2 * pairs : 2].count(0)
    if odd >= 0.3 * pairs and even <= 0.02 * pairs:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd <= 0.02 * pairs:
        return "utf-16-be"
    return None
