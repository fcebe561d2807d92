"""One organisation, one name: the rule every code, name and category goes through
(lib.identifiers), as a table. Lookalikes become the text they look like; invisible
and unshowable characters are refused with the character named, so the clerk can
find it."""

from __future__ import annotations

import pytest

from lib.identifiers import (
    DEFAULT_IGNORABLE, IdentifierError, identifier_key, is_default_ignorable, normalise_identifier,
)

ACCEPTED = [
    # (what was typed or pasted, what is stored)
    ("白鹭街道", "白鹭街道"),
    ("\u2f69鹭街道", "白鹭街道"),  # ⽩ KANGXI RADICAL WHITE, as a PDF gives it
    ("\u2e9f鹭街道", "母鹭街道"),  # CJK RADICAL MOTHER: one of the two radicals NFKC maps
    ("ＡＢＣ１", "ABC1"),  # full-width letters and digits
    ("Ｔ０１", "T01"),
    ("区住建局（人防办）", "区住建局(人防办)"),  # NFKC makes full-width brackets ASCII
    ("  青溪镇  ", "青溪镇"),
    ("\u3000青溪镇\u3000", "青溪镇"),  # ideographic spaces around
    ("区\u3000住建局", "区 住建局"),  # an ideographic space inside is a space
    ("高淳   经济开发区", "高淳 经济开发区"),  # a run of spaces is one
    ("高淳\u00a0经济开发区", "高淳 经济开发区"),  # a no-break space too
    ("高淳\u2003\u2009经济开发区", "高淳 经济开发区"),  # em space + thin space
    ("青溪镇\n", "青溪镇"),  # a line break after the text is surrounding whitespace
    ("ｶﾞｽ", "ガス"),  # half-width katakana
    ("①号网格", "1号网格"),
    ("", ""),
    ("   ", ""),
    (None, ""),
    ("HQ-01", "HQ-01"),
    ("区12345热线办", "区12345热线办"),
    ("社区🏠服务站", "社区🏠服务站"),  # a visible symbol is a character like any other
]


@pytest.mark.parametrize("typed, stored", ACCEPTED)
def test_a_lookalike_identifier_becomes_the_text_it_looks_like(typed, stored):
    assert normalise_identifier(typed) == stored
    # What is stored is already normal, and compares as itself.
    assert normalise_identifier(stored) == stored
    assert identifier_key(typed) == stored


REFUSED = [
    # (text, the character the message names, words the message must hold)
    ("青\u00ad溪镇", "U+00AD（SOFT HYPHEN）", "不可见字符"),
    ("青溪镇\u200e", "U+200E（LEFT-TO-RIGHT MARK）", "不可见字符"),
    ("\u200f青溪镇", "U+200F（RIGHT-TO-LEFT MARK）", "不可见字符"),
    ("青\u034f溪镇", "U+034F（COMBINING GRAPHEME JOINER）", "不可见字符"),
    ("青溪\u202e镇", "U+202E（RIGHT-TO-LEFT OVERRIDE）", "不可见字符"),
    ("青溪\u202a镇\u202c", "U+202A（LEFT-TO-RIGHT EMBEDDING）", "不可见字符"),
    ("\u2066青溪镇\u2069", "U+2066（LEFT-TO-RIGHT ISOLATE）", "不可见字符"),
    ("青溪镇\u2069", "U+2069（POP DIRECTIONAL ISOLATE）", "不可见字符"),
    ("青\u061c溪镇", "U+061C（ARABIC LETTER MARK）", "不可见字符"),
    ("青\u200d溪镇", "U+200D（ZERO WIDTH JOINER）", "不可见字符"),
    ("青\u200b溪镇", "U+200B（ZERO WIDTH SPACE）", "不可见字符"),
    ("青\u200c溪镇", "U+200C（ZERO WIDTH NON-JOINER）", "不可见字符"),
    ("青\u2060溪镇", "U+2060（WORD JOINER）", "不可见字符"),
    ("青\u2063溪镇", "U+2063（INVISIBLE SEPARATOR）", "不可见字符"),
    ("\ufeff青溪镇", "U+FEFF（ZERO WIDTH NO-BREAK SPACE）", "不可见字符"),
    ("青溪镇\ufe0f", "U+FE0F（VARIATION SELECTOR-16）", "不可见字符"),
    ("青\U000e0100溪镇", "U+E0100（VARIATION SELECTOR-17）", "不可见字符"),
    ("青溪镇\u3164", "U+3164（HANGUL FILLER）", "不可见字符"),
    ("青溪镇\uffa0", "U+FFA0（HALFWIDTH HANGUL FILLER）", "不可见字符"),
    ("青溪\u115f镇", "U+115F（HANGUL CHOSEONG FILLER）", "不可见字符"),
    ("青溪镇\U000e0001\U000e0063\U000e006e", "U+E0001（LANGUAGE TAG）", "不可见字符"),
    ("青溪镇\U000e0063", "U+E0063（TAG LATIN SMALL LETTER C）", "不可见字符"),
    ("青溪\u180e镇", "U+180E（MONGOLIAN VOWEL SEPARATOR）", "不可见字符"),
    ("青溪\u17b4镇", "U+17B4（KHMER VOWEL INHERENT AQ）", "不可见字符"),
    ("青溪\U0001bca0镇", "U+1BCA0（SHORTHAND FORMAT LETTER OVERLAP）", "不可见字符"),
    ("青溪\U0001d173镇", "U+1D173（MUSICAL SYMBOL BEGIN BEAM）", "不可见字符"),
    ("青溪\ufff0镇", "U+FFF0（未分配的字符）", "不可见字符"),  # reserved, and default-ignorable
    ("青溪\u0600镇", "U+0600（ARABIC NUMBER SIGN）", "不可见字符"),  # a format character (Cf)
    ("青溪\U000110bd镇", "U+110BD（KAITHI NUMBER SIGN）", "不可见字符"),
    ("青\x00溪镇", "U+0000（NULL）", "不可见字符"),
    ("青\x1b溪镇", "U+001B（ESCAPE）", "不可见字符"),
    ("青\x7f溪镇", "U+007F（DELETE）", "不可见字符"),
    ("青\x80溪镇", "U+0080（控制字符）", "不可见字符"),
    ("青\ue000溪镇", "U+E000（私用区字符）", "无法显示的字符"),
    ("青\U000f0000溪镇", "U+F0000（私用区字符）", "无法显示的字符"),
    ("青\U0003fffe溪镇", "U+3FFFE（未分配的字符）", "无法显示的字符"),
    ("青\ud800溪镇", "U+D800（代理字符）", "无法显示的字符"),
    ("\u2ed8溪镇", "U+2ED8（CJK RADICAL BLUE）", "部首字符"),  # ⻘ for 青: NFKC leaves it
    ("\u2ed3江路街道", "U+2ED3（CJK RADICAL C-SIMPLIFIED LONG）", "部首字符"),
]


@pytest.mark.parametrize("text, named, words", REFUSED)
def test_an_invisible_or_unshowable_character_is_refused_and_named(text, named, words):
    with pytest.raises(IdentifierError) as refused:
        normalise_identifier(text)

    message = str(refused.value)
    assert named in message
    assert words in message
    assert "请删去" in message
    assert isinstance(refused.value, ValueError)  # import widgets report ValueErrors by column


@pytest.mark.parametrize("text", [
    "漆桥\n街道", "漆桥\r\n街道", "漆桥\r街道", "漆桥\t街道", "漆桥\v街道", "漆桥\f街道",
    "漆桥\x85街道", "漆桥\u2028街道", "漆桥\u2029街道",
])
def test_a_line_break_or_tab_inside_is_refused(text):
    with pytest.raises(IdentifierError, match="不能有换行或制表符，请写在一行内"):
        normalise_identifier(text)


def test_the_message_names_the_character_as_typed_not_as_normalised():
    # NFKC makes U+3164 HANGUL FILLER another filler (U+1160); the clerk pasted U+3164.
    with pytest.raises(IdentifierError) as refused:
        normalise_identifier("青溪镇\u3164")
    assert "U+3164" in str(refused.value)
    assert refused.value.character == "\u3164"


@pytest.mark.parametrize("stored, typed", [
    ("青\u00ad溪镇", "青溪镇"),
    ("\u2f69鹭\u200b街道", "白鹭街道"),
    ("白鹭街道\u202e", "白鹭街道"),
    ("区\u3000住建局", "区 住建局"),
    ("漆桥\n街道", "漆桥 街道"),
    ("\ufeffＴ０１", "T01"),
    ("青溪镇\u3164", "青溪镇"),
])
def test_text_stored_before_the_rule_compares_as_the_name_it_reads_as(stored, typed):
    assert identifier_key(stored) == identifier_key(typed) == normalise_identifier(typed)


@pytest.mark.parametrize("code, ignorable", [
    (0x00AC, False), (0x00AD, True), (0x00AE, False), (0x115E, False), (0x115F, True), (0x1160, True),
    (0x1161, False), (0x200A, False), (0x200B, True), (0x200F, True), (0x2010, False), (0x206F, True),
    (0x2070, False), (0xFE0F, True), (0xFE10, False), (0xE0000, True), (0xE0FFF, True), (0xE1000, False),
    (0x1D17A, True), (0x1D17B, False),
])
def test_the_default_ignorable_ranges_end_where_unicode_says(code, ignorable):
    assert is_default_ignorable(chr(code)) is ignorable


def test_every_default_ignorable_code_point_is_refused():
    for start, end in DEFAULT_IGNORABLE:
        for code in range(start, end + 1):
            with pytest.raises(IdentifierError):
                normalise_identifier(f"青{chr(code)}溪镇")
