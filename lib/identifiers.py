"""One organisation, one name: the rule for every identifier a person types or imports.

An identifier is a code, a name or a category: it is shown on the boards and looked up
as written, so two that read the same must be the same. ``normalise_identifier`` is
the rule every door applies (the imports, the admin forms):

- Unicode NFKC: a Kangxi radical copied from a PDF (⽩) is the ideograph it looks like
  (白), full-width letters and digits (ＡＢＣ１) are ABC1, an ideographic or no-break
  space is a space. (NFKC also makes full-width punctuation ASCII: （ → ().
- Surrounding whitespace is dropped, and a run of spaces inside is one space.
- Refused, naming the character by its code point and Unicode name: a line break or a
  tab inside; anything invisible (a Unicode default-ignorable code point, a bidi
  control, any other control or format character); what no font shows (private use,
  unassigned, surrogates); a CJK radical that NFKC leaves as it is (⻘ for 青).

``identifier_key`` is the lenient form, for comparing with what is stored already:
text saved before the rule existed may hold what the rule now refuses, and must still
be found (⽩鹭街道 stored with a soft hyphen is the same name as 白鹭街道 typed).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right

from django.utils.translation import gettext as _

# Default_Ignorable_Code_Point, from Unicode's DerivedCoreProperties.txt (Unicode 15.1,
# unchanged since 6.x apart from U+061C in 6.3): invisible in a name whatever the font.
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),  # SOFT HYPHEN
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
    (0x061C, 0x061C),  # ARABIC LETTER MARK
    (0x115F, 0x1160),  # HANGUL CHOSEONG / JUNGSEONG FILLER
    (0x17B4, 0x17B5),  # KHMER VOWEL INHERENT AQ / AA
    (0x180B, 0x180F),  # MONGOLIAN FREE VARIATION SELECTORS, VOWEL SEPARATOR
    (0x200B, 0x200F),  # ZERO WIDTH SPACE, ZWNJ, ZWJ, LRM, RLM
    (0x202A, 0x202E),  # LRE, RLE, PDF, LRO, RLO
    (0x2060, 0x206F),  # WORD JOINER … invisible operators, LRI, RLI, FSI, PDI, deprecated formats
    (0x3164, 0x3164),  # HANGUL FILLER
    (0xFE00, 0xFE0F),  # VARIATION SELECTORS
    (0xFEFF, 0xFEFF),  # ZERO WIDTH NO-BREAK SPACE (BOM)
    (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFF8),  # reserved
    (0x1BCA0, 0x1BCA3),  # SHORTHAND FORMAT CONTROLS
    (0x1D173, 0x1D17A),  # MUSICAL SYMBOL BEGIN BEAM … END PHRASE
    (0xE0000, 0xE0FFF),  # TAGS, VARIATION SELECTORS SUPPLEMENT, reserved
)
_IGNORABLE_STARTS = [start for start, _end in DEFAULT_IGNORABLE]

# Bidi_Control, from PropList.txt (all default-ignorable too; listed for what they are).
BIDI_CONTROLS = frozenset(map(chr, (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))))

# Inside an identifier these break the line or the column: the clerk meant one line.
LINE_BREAKS = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029")

# CJK Radicals Supplement: PDF text often comes out as these (⻘ for 青, ⻓ for 长);
# NFKC maps only two of them, the rest would be a second name that reads the same.
CJK_RADICALS_SUPPLEMENT = (0x2E80, 0x2EFF)

# Names of the controls, which Unicode gives only as aliases (NameAliases.txt).
CONTROL_NAMES = {
    **dict(enumerate((
        "NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION", "ENQUIRY",
        "ACKNOWLEDGE", "ALERT", "BACKSPACE", "CHARACTER TABULATION", "LINE FEED", "LINE TABULATION",
        "FORM FEED", "CARRIAGE RETURN", "SHIFT OUT", "SHIFT IN", "DATA LINK ESCAPE", "DEVICE CONTROL ONE",
        "DEVICE CONTROL TWO", "DEVICE CONTROL THREE", "DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE",
        "SYNCHRONOUS IDLE", "END OF TRANSMISSION BLOCK", "CANCEL", "END OF MEDIUM", "SUBSTITUTE", "ESCAPE",
        "INFORMATION SEPARATOR FOUR", "INFORMATION SEPARATOR THREE", "INFORMATION SEPARATOR TWO",
        "INFORMATION SEPARATOR ONE",
    ))),
    0x7F: "DELETE",
    0x85: "NEXT LINE",
}

_SPACES_RE = re.compile(r"\s+")


class IdentifierError(ValueError):
    """An identifier that cannot be accepted as written; the message says why and how
    to fix it. ``character`` is the offending character, if one is to blame."""

    def __init__(self, message: str, character: str | None = None):
        super().__init__(message)
        self.message = message
        self.character = character

    def __str__(self) -> str:
        return self.message


def is_default_ignorable(character: str) -> bool:
    code = ord(character)
    index = bisect_right(_IGNORABLE_STARTS, code) - 1
    return index >= 0 and code <= DEFAULT_IGNORABLE[index][1]


def is_invisible(character: str) -> bool:
    """Default-ignorable, a bidi control, or any other control or format character."""
    return (
        is_default_ignorable(character) or character in BIDI_CONTROLS
        or unicodedata.category(character) in ("Cc", "Cf")
    )


def is_unshowable(character: str) -> bool:
    """Private use, unassigned or a lone surrogate: no font shows it the same way."""
    return unicodedata.category(character) in ("Co", "Cn", "Cs")


def is_cjk_radical(character: str) -> bool:
    return CJK_RADICALS_SUPPLEMENT[0] <= ord(character) <= CJK_RADICALS_SUPPLEMENT[1]


def character_label(character: str) -> str:
    """U+00AD（SOFT HYPHEN）: how a message names a character nobody can see."""
    code = ord(character)
    name = unicodedata.name(character, "") or CONTROL_NAMES.get(code)
    if not name:
        category = unicodedata.category(character)
        name = {
            "Cc": _("控制字符"), "Co": _("私用区字符"), "Cs": _("代理字符"),
        }.get(category, _("未分配的字符"))
    return f"U+{code:04X}（{name}）"


def _check(text: str, *, radicals: bool) -> None:
    for character in text:
        if character in LINE_BREAKS:
            raise IdentifierError(_("不能有换行或制表符，请写在一行内"), character)
        if is_invisible(character):
            raise IdentifierError(
                _("含有不可见字符 %(character)s，请删去后再试") % {"character": character_label(character)}, character
            )
        if is_unshowable(character):
            raise IdentifierError(
                _("含有无法显示的字符 %(character)s，请删去后再试") % {"character": character_label(character)},
                character,
            )
        if radicals and is_cjk_radical(character):
            raise IdentifierError(
                _("含有部首字符 %(character)s：它看起来像汉字，但不是；请删去后用输入法重新输入这个字")
                % {"character": character_label(character)}, character,
            )


def normalise_identifier(text: str | None) -> str:
    """The identifier as it is stored and compared; IdentifierError if it holds a
    character that must not be in one. None and blank text are ""."""
    if text is None:
        return ""
    text = str(text).strip()
    if text.isascii() and text.isprintable():  # the usual code: nothing to do but spaces
        return _SPACES_RE.sub(" ", text)
    _check(text, radicals=False)  # the characters as typed, so the message names those
    normal = unicodedata.normalize("NFKC", text)
    _check(normal, radicals=True)
    return _SPACES_RE.sub(" ", normal).strip()


def identifier_key(text: str | None) -> str:
    """What an identifier is compared by, never refused: NFKC, without invisible
    characters, line breaks as spaces, spaces collapsed. Equal to
    ``normalise_identifier(text)`` for every text that function accepts."""
    if text is None:
        return ""
    text = str(text)
    if not (text.isascii() and text.isprintable()):
        text = "".join(" " if c in LINE_BREAKS else c for c in text if c in LINE_BREAKS or not is_invisible(c))
        # NFKC may make a filler of a filler (U+3164 → U+1160): drop what it makes invisible.
        text = "".join(c for c in unicodedata.normalize("NFKC", text) if not is_invisible(c))
    return _SPACES_RE.sub(" ", text).strip()
