"""What a citizen's phone sends with a problem report: photos, video and audio.

Each recording type is accepted when its bytes have the container's real structure
(built here in memory, byte by byte: ISO base media boxes, an EBML header, ID3 and
MPEG/ADTS frame headers, RIFF chunks, AMR frames), and refused when the extension names
one type and the bytes are another, or a web page. Photos are re-encoded without what
the camera recorded (GPS position, make and model, dates), upright. Pure: no database.
"""

from __future__ import annotations

import io
import random
import struct

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from lib import uploads
from lib.uploads import Problem
from tests import evidence_samples as sample

MB = 1024 * 1024


def _problem(name: str, data: bytes, *, allowed: list[str] | None = None) -> Problem | None:
    ext = name.rpartition(".")[2].lower()
    return uploads.evidence_problem(name=name, size=len(data), stream=io.BytesIO(data),
                                    allowed=allowed or [ext], max_bytes=10 * MB)


# Real-shaped files -----------------------------------------------------------------------------


def box(kind: bytes, payload: bytes = b"") -> bytes:
    """An ISO base media box: a 32-bit size (header included), a four-letter type, its data."""
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    return box(b"ftyp", major + b"\x00\x00\x02\x00" + b"".join(compatible))


def iso_file(major: bytes, *compatible: bytes, extra: bytes = b"") -> bytes:
    return ftyp(major, *compatible) + box(b"free") + extra + box(b"mdat", bytes(256))


MP4 = iso_file(b"isom", b"isom", b"iso2", b"avc1", b"mp41")
MP4_ANDROID = iso_file(b"mp42", b"isom", b"mp42")
# A large recording: the mdat box gives its size in 64 bits (size field 1).
MP4_LARGE_MDAT = (ftyp(b"isom", b"isom", b"mp41")
                  + struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", 16 + 64) + bytes(64))
# A recording still being written, or from an encoder that never went back: mdat size 0 runs to the end.
MP4_OPEN_MDAT = ftyp(b"mp42", b"isom") + box(b"moov", bytes(32)) + struct.pack(">I", 0) + b"mdat" + bytes(100)
MOV = ftyp(b"qt  ", b"qt  ") + box(b"wide") + box(b"mdat", bytes(256)) + box(b"moov", bytes(64))
THREE_GP = iso_file(b"3gp4", b"isom", b"3gp4")
M4A = iso_file(b"M4A ", b"M4A ", b"mp42", b"isom")
M4A_ANDROID = iso_file(b"mp42", b"isom", b"mp42")


def ebml(element_id: bytes, data: bytes) -> bytes:
    assert len(data) < 127
    return element_id + bytes([0x80 | len(data)]) + data


def ebml_file(doc_type: bytes) -> bytes:
    header = b"".join([
        ebml(b"\x42\x86", b"\x01"),  # EBMLVersion
        ebml(b"\x42\xf7", b"\x01"),  # EBMLReadVersion
        ebml(b"\x42\xf2", b"\x04"),  # EBMLMaxIDLength
        ebml(b"\x42\xf3", b"\x08"),  # EBMLMaxSizeLength
        ebml(b"\x42\x82", doc_type),  # DocType
        ebml(b"\x42\x87", b"\x04"),  # DocTypeVersion
        ebml(b"\x42\x85", b"\x02"),  # DocTypeReadVersion
    ])
    segment = b"\x18\x53\x80\x67" + b"\x01\xff\xff\xff\xff\xff\xff\xff" + bytes(200)  # size unknown, as recorders write
    return ebml(b"\x1a\x45\xdf\xa3", header) + segment


WEBM = ebml_file(b"webm")
MKV = ebml_file(b"matroska")

# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: a frame of 417 bytes.
MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(413)


def id3(frames: bytes, *, version: int = 3) -> bytes:
    size = len(frames)
    synchsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3" + bytes([version, 0, 0]) + synchsafe + frames


def id3_text_frame(frame_id: bytes, text: bytes) -> bytes:
    payload = b"\x00" + text  # encoding ISO-8859-1
    return frame_id + struct.pack(">I", len(payload)) + b"\x00\x00" + payload


MP3 = id3(id3_text_frame(b"TIT2", b"report") + bytes(64)) + MP3_FRAME * 3
MP3_BARE = MP3_FRAME * 3


def adts_frame(payload_bytes: int = 100) -> bytes:
    """An ADTS frame: MPEG-4 AAC LC, 44.1 kHz, stereo, no CRC."""
    length = 7 + payload_bytes
    header = bytes([
        0xFF, 0xF1,
        (1 << 6) | (4 << 2),  # profile LC, sampling frequency index 4 (44.1 kHz), channels' high bit 0
        (2 << 6) | (length >> 11),  # two channels; the frame length's top two bits
        (length >> 3) & 0xFF,
        ((length & 0x07) << 5) | 0x1F,
        0xFC,
    ])
    return header + bytes(payload_bytes)


AAC = adts_frame() * 5


def riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")


def wav(*chunks: bytes) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


# PCM, mono, 8 kHz, 16 bits: what a phone's voice recorder writes.
WAV_FMT = riff_chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16))
WAV = wav(WAV_FMT, riff_chunk(b"data", bytes(800)))
WAV_LIST_FIRST = wav(riff_chunk(b"LIST", b"INFOISFT\x06\x00\x00\x00Lavf\x00\x00"), WAV_FMT,
                     riff_chunk(b"data", bytes(8)))

# Narrowband, mode 12.2 kbit/s (frame type 7: a header byte and 31 bytes); wideband, 23.85 kbit/s
# (frame type 8: a header byte and 60 bytes), the quality bit set.
AMR = b"#!AMR\n" + (b"\x3c" + bytes(31)) * 5
AMR_WB = b"#!AMR-WB\n" + (b"\x44" + bytes(60)) * 4

RANDOM = random.Random(20260305).randbytes(2048)

REAL = {
    "mp4": MP4, "mov": MOV, "3gp": THREE_GP, "webm": WEBM,
    "mp3": MP3, "m4a": M4A, "wav": WAV, "amr": AMR, "aac": AAC,
}


# Accepted ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data"), [
    ("现场.mp4", MP4),
    ("现场.MP4", MP4),
    ("VID_20260305.mp4", MP4_ANDROID),
    ("现场.mp4", MP4_LARGE_MDAT),
    ("现场.mp4", MP4_OPEN_MDAT),
    ("现场.mp4", THREE_GP),
    ("IMG_0001.MOV", MOV),
    ("现场.3gp", THREE_GP),
    ("现场.webm", WEBM),
    ("录音.mp3", MP3),
    ("录音.mp3", MP3_BARE),
    ("录音.mp3", b"\xff\xf3\x84\x64" + bytes(200)),  # MPEG-2 Layer III, as low-rate voice recorders write
    ("录音.mp3", id3(bytes(32), version=4) + bytes(100) + MP3_FRAME),
    ("录音.m4a", M4A),
    ("录音.m4a", M4A_ANDROID),
    ("录音.wav", WAV),
    ("录音.wav", WAV_LIST_FIRST),
    ("录音.amr", AMR),
    ("录音.amr", AMR_WB),
    ("录音.aac", AAC),
    ("录音.aac", id3(id3_text_frame(b"TIT2", b"x")) + AAC),
], ids=lambda value: value if isinstance(value, str) else "")
def test_a_real_recording_of_each_type_is_accepted(name, data):
    assert _problem(name, data) is None


@pytest.mark.parametrize("ext", sorted(REAL))
def test_a_real_recording_is_stored_under_its_own_extension(ext):
    assert uploads.stored_extension(f"现场.{ext}") == ext


# Refused -----------------------------------------------------------------------------------------


NOT_WHAT_THEY_SAY = [
    ("录音.mp3", MP4, "a video renamed .mp3"),
    ("现场.mp4", sample.PNG, "a PNG renamed .mp4"),
    ("现场.mp4", sample.JPEG, "a JPEG renamed .mp4"),
    ("现场.mp4", sample.PAGE, "a web page renamed .mp4"),
    ("现场.mov", sample.zip_of({"a.txt": b"x"}), "a zip renamed .mov"),
    ("现场.mp4", sample.PDF, "a PDF renamed .mp4"),
    ("现场.mp4", MOV, "a QuickTime movie renamed .mp4"),
    ("现场.mov", MP4, "an MP4 renamed .mov"),
    ("现场.3gp", MOV, "a QuickTime movie renamed .3gp"),
    ("现场.webm", MKV, "a Matroska file renamed .webm"),
    ("现场.webm", MP4, "an MP4 renamed .webm"),
    ("现场.webm", WEBM[:20], "an EBML header cut short"),
    ("录音.m4a", MOV, "a QuickTime movie renamed .m4a"),
    ("录音.m4a", WAV, "a WAV renamed .m4a"),
    ("录音.wav", AMR, "an AMR recording renamed .wav"),
    ("录音.wav", wav(riff_chunk(b"data", bytes(800))), "a WAVE without a fmt chunk"),
    ("录音.wav", b"RIFF" + struct.pack("<I", 100) + b"AVI " + bytes(100), "an AVI renamed .wav"),
    ("录音.amr", MP3, "an MP3 renamed .amr"),
    ("录音.amr", b"#!AMR\n" + b"\x4c" + bytes(31), "an AMR frame of a reserved type"),
    ("录音.amr", b"#!AMR\n", "the AMR magic without a frame"),
    ("录音.aac", MP3_BARE, "an MP3 renamed .aac"),
    ("录音.aac", adts_frame() + b"\x00" * 50, "one ADTS frame followed by bytes that are no frame"),
    ("录音.mp3", AAC, "raw AAC renamed .mp3"),
    ("录音.mp3", b"\xff\xfb\xf0\x64" + bytes(413), "an MPEG frame header with the 'bad' bitrate"),
    ("录音.mp3", b"\xff\xfb\x9c\x64" + bytes(413), "an MPEG frame header with a reserved sample rate"),
    ("录音.mp3", b"\xff\xeb\x90\x64" + bytes(413), "an MPEG frame header of the reserved version"),
    ("录音.mp3", b"\xff\xfd\x90\x64" + bytes(413), "an MPEG Layer I frame header"),
    ("录音.mp3", b"ID3\x03\x00\x00\x00\x00\x02\x80" + bytes(400) + MP3_FRAME, "an ID3 size that is not synchsafe"),
    ("录音.mp3", b"ID3\x03\x00\x00\x00\x7f\x7f\x7f" + MP3_FRAME, "an ID3 tag longer than the file"),
    ("录音.mp3", id3(bytes(32)) + b"<html>" + MP3_FRAME, "an ID3 tag followed by no audio frame"),
    ("现场.mp4", ftyp(b"isom", b"isom"), "a ftyp box and nothing else"),
    ("现场.mp4", ftyp(b"isom", b"isom") + struct.pack(">I", 4096) + b"mdat" + bytes(100),
     "a box longer than the file"),
    ("现场.mp4", MP4 + b"\x00\x01", "stray bytes after the last box"),
    ("现场.mp4", struct.pack(">I", 9) + MP4[4:], "a ftyp box of a size no brand list has"),
    ("现场.mp4", ftyp(b"isom", b"isom") + struct.pack(">I", 16) + b"\x00<a>" + bytes(8),
     "a box type that is not four letters"),
    *((f"现场.{ext}", RANDOM, f"random bytes named .{ext}") for ext in sorted(REAL)),
    *((f"现场.{ext}", b"\x00" * 1024, f"zeros named .{ext}") for ext in sorted(REAL)),
]


@pytest.mark.parametrize(("name", "data"), [pytest.param(name, data, id=why) for name, data, why in NOT_WHAT_THEY_SAY])
def test_bytes_that_are_not_the_type_the_extension_names_are_refused(name, data):
    assert _problem(name, data) == Problem.CONTENT


@pytest.mark.parametrize("ext", sorted(REAL))
def test_a_web_page_glued_to_the_start_of_a_recording_is_refused(ext):
    assert _problem(f"现场.{ext}", sample.PAGE + REAL[ext]) is not None


CARRYING_MARKUP = [
    ("现场.mp4", iso_file(b"isom", b"isom", extra=box(b"free", sample.PAGE)), "a web page in a box of a real MP4"),
    ("现场.mov", ftyp(b"qt  ", b"qt  ") + box(b"udta", sample.SVG) + box(b"mdat", bytes(64)),
     "an SVG in a QuickTime box"),
    ("录音.mp3", id3(id3_text_frame(b"COMM", sample.SCRIPT)) + MP3_FRAME, "a script in an MP3's ID3 comment"),
    ("录音.wav", wav(riff_chunk(b"LIST", sample.PAGE), WAV_FMT, riff_chunk(b"data", bytes(8))),
     "a web page in a WAV chunk"),
    ("录音.amr", b"#!AMR\n" + b"\x3c" + sample.SCRIPT + bytes(31 - len(sample.SCRIPT)),
     "a script inside an AMR frame"),
]


@pytest.mark.parametrize(("name", "data"), [pytest.param(name, data, id=why) for name, data, why in CARRYING_MARKUP])
def test_a_real_recording_carrying_web_markup_is_refused(name, data):
    assert _problem(name, data) == Problem.MARKUP


def test_a_recording_type_is_accepted_only_where_it_is_configured():
    assert _problem("现场.mp4", MP4, allowed=["pdf", "jpg"]) == Problem.EXTENSION
    assert _problem("现场.mp4", MP4, allowed=["pdf", "MP4"]) is None


# Kinds -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), [
    ("现场.jpg", "photo"), ("现场.JPEG", "photo"), ("现场.png", "photo"),
    ("现场.mp4", "video"), ("IMG_0001.MOV", "video"), ("现场.3gp", "video"), ("现场.webm", "video"),
    ("录音.mp3", "audio"), ("录音.m4a", "audio"), ("录音.wav", "audio"), ("录音.AMR", "audio"),
    ("录音.aac", "audio"),
    ("通知.pdf", "document"), ("通知.docx", "document"), ("表格.xlsx", "document"), ("说明.txt", "document"),
    ("公文.ofd", "document"), ("setup.exe", "document"), ("README", "document"), ("照片.jpg.mp4", "video"),
])
def test_each_name_has_its_media_kind(name, kind):
    assert uploads.media_kind(name) == kind


def test_every_photo_video_and_audio_type_can_be_checked_and_belongs_to_one_group():
    groups = uploads.PHOTO_EXTENSIONS + uploads.VIDEO_EXTENSIONS + uploads.AUDIO_EXTENSIONS
    assert len(groups) == len(set(groups))
    assert set(groups) <= set(uploads.CHECKS)


# Photos without their metadata ---------------------------------------------------------------------

GPS_IFD = 34853
MAKE, MODEL, ORIENTATION, DATE_TIME = 271, 272, 274, 306
RED, BLUE = (220, 20, 20), (20, 20, 220)


def phone_photo(*, orientation: int = 6, fmt: str = "JPEG", **options) -> bytes:
    """A 40x20 photo, its left half red, as a phone stores it: sideways, with an EXIF
    orientation saying how to turn it, and the place, the phone and the time."""
    image = Image.new("RGB", (40, 20), BLUE)
    image.paste(RED, (0, 0, 20, 20))
    exif = Image.Exif()
    exif[MAKE] = "Xiaomi"
    exif[MODEL] = "Redmi Note 12"
    exif[ORIENTATION] = orientation
    exif[DATE_TIME] = "2026:03:05 10:15:00"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (31.0, 14.0, 5.5), 3: "E", 4: (121.0, 28.0, 12.0)})
    buffer = io.BytesIO()
    image.save(buffer, fmt, exif=exif, **options)
    return buffer.getvalue()


def jpeg_markers(data: bytes) -> list[int]:
    """The markers of a JPEG's segments before its image data."""
    assert data[:2] == b"\xff\xd8"
    markers, offset = [], 2
    while offset + 4 <= len(data):
        marker = data[offset + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: the pixels follow
            break
        offset += 2 + int.from_bytes(data[offset + 2:offset + 4], "big")
    return markers


def png_chunks(data: bytes) -> list[bytes]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    chunks, offset = [], 8
    while offset + 8 <= len(data):
        length = int.from_bytes(data[offset:offset + 4], "big")
        chunks.append(data[offset + 4:offset + 8])
        offset += 12 + length
    return chunks


def test_a_phone_photo_loses_its_gps_position_camera_and_date():
    original = phone_photo()
    # What the citizen's phone recorded is really there before.
    exif = Image.open(io.BytesIO(original)).getexif()
    assert exif[MAKE] == "Xiaomi" and exif.get_ifd(GPS_IFD)
    assert b"Exif" in original

    cleaned = uploads.photo_without_metadata(io.BytesIO(original), "现场.jpg")

    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(GPS_IFD) == {}
    assert b"Exif" not in cleaned
    assert b"Xiaomi" not in cleaned and b"Redmi" not in cleaned and b"2026:03:05" not in cleaned
    assert 0xE1 not in jpeg_markers(cleaned)  # no APP1 (EXIF, XMP)


def test_a_sideways_phone_photo_is_turned_upright_before_its_orientation_is_dropped():
    cleaned = uploads.photo_without_metadata(io.BytesIO(phone_photo(orientation=6)), "现场.JPG")

    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.size == (20, 40)  # width and height swapped
        image = image.convert("RGB")
        # Orientation 6: the stored picture is turned a quarter clockwise to be seen, so
        # its red left half is the top half.
        top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert top[0] > 150 and top[2] < 100, top
    assert bottom[2] > 150 and bottom[0] < 100, bottom


def test_a_photo_loses_its_xmp_and_comment_and_keeps_its_colour_profile():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>31,14.1N</exif:GPSLatitude></x:xmpmeta>'
    original = phone_photo(orientation=1, icc_profile=icc, xmp=xmp, comment=b"home address")
    assert b"GPSLatitude" in original and b"home address" in original

    cleaned = uploads.photo_without_metadata(io.BytesIO(original), "现场.jpeg")

    assert b"GPSLatitude" not in cleaned and b"home address" not in cleaned
    assert set(jpeg_markers(cleaned)) & {0xE1, 0xED, 0xFE} == set()  # no APP1, APP13 (IPTC), COM
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.info.get("icc_profile") == icc
        assert image.size == (40, 20)  # orientation 1: nothing to turn


def test_a_cmyk_jpeg_stays_a_cmyk_jpeg():
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[MAKE] = "Canon"
    Image.new("CMYK", (8, 8), (0, 200, 200, 0)).save(buffer, "JPEG", exif=exif)

    cleaned = uploads.photo_without_metadata(io.BytesIO(buffer.getvalue()), "扫描.jpg")

    with Image.open(io.BytesIO(cleaned)) as image:
        assert (image.format, image.mode) == ("JPEG", "CMYK")
        assert dict(image.getexif()) == {}


def test_a_multi_picture_phone_jpeg_becomes_a_plain_jpeg_of_its_first_picture():
    exif = Image.Exif()
    exif[MAKE] = "Google"
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), RED).save(buffer, "MPO", save_all=True, append_images=[Image.new("RGB", (4, 3), BLUE)],
                                       exif=exif)
    original = buffer.getvalue()
    assert _problem("现场.jpg", original) is None

    cleaned = uploads.photo_without_metadata(io.BytesIO(original), "现场.jpg")

    with Image.open(io.BytesIO(cleaned)) as image:
        assert (image.format, image.size, getattr(image, "n_frames", 1)) == ("JPEG", (8, 6), 1)
        assert dict(image.getexif()) == {}
    assert b"Google" not in cleaned


def test_a_png_loses_its_text_and_exif_chunks():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at 31.23N 121.47E")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS</x:xmpmeta>")
    original = phone_photo(orientation=1, fmt="PNG", pnginfo=info)
    assert {b"tEXt", b"iTXt", b"eXIf"} <= set(png_chunks(original))

    cleaned = uploads.photo_without_metadata(io.BytesIO(original), "截图.png")

    assert set(png_chunks(cleaned)) & {b"tEXt", b"iTXt", b"zTXt", b"eXIf"} == set()
    assert b"31.23N" not in cleaned and b"Xiaomi" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "PNG"
        assert dict(image.getexif()) == {}
        assert image.size == (40, 20)


def test_a_png_with_a_palette_and_transparency_keeps_both():
    image = Image.new("P", (6, 6), 1)
    image.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255])
    image.paste(2, (0, 0, 3, 6))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", transparency=1)

    cleaned = uploads.photo_without_metadata(io.BytesIO(buffer.getvalue()), "标注.png")

    with Image.open(io.BytesIO(cleaned)) as result:
        assert (result.format, result.mode) == ("PNG", "P")
        rgba = result.convert("RGBA")
    assert rgba.getpixel((0, 0)) == (0, 0, 255, 255)
    assert rgba.getpixel((5, 5))[3] == 0  # the transparent colour is still transparent


def test_a_png_with_an_alpha_channel_keeps_it():
    buffer = io.BytesIO()
    Image.new("RGBA", (4, 4), (10, 200, 10, 128)).save(buffer, "PNG")

    cleaned = uploads.photo_without_metadata(io.BytesIO(buffer.getvalue()), "标注.png")

    with Image.open(io.BytesIO(cleaned)) as result:
        assert result.mode == "RGBA" and result.getpixel((1, 1)) == (10, 200, 10, 128)


NOT_PHOTOS = [
    ("现场.jpg", b"not an image at all", "text named .jpg"),
    ("现场.jpg", sample.PNG, "a PNG named .jpg"),
    ("现场.png", sample.JPEG, "a JPEG named .png"),
    ("现场.png", sample.SVG, "an SVG named .png"),
    ("现场.jpg", sample.JPEG[:40], "a truncated JPEG"),
    ("通知.pdf", sample.PDF, "a PDF"),
    ("现场.mp4", MP4, "a video"),
    ("现场.gif", b"GIF89a" + bytes(20), "a GIF, which is not a photo type here"),
    ("现场", sample.JPEG, "a name without an extension"),
]


@pytest.mark.parametrize(("name", "data"), [pytest.param(name, data, id=why) for name, data, why in NOT_PHOTOS])
def test_anything_but_a_jpeg_or_png_is_not_re_encoded(name, data):
    with pytest.raises(ValueError):
        uploads.photo_without_metadata(io.BytesIO(data), name)


def test_a_picture_of_too_many_pixels_is_refused(monkeypatch):
    # A decompression bomb: a small file whose pixels would fill the memory. Pillow's own
    # limit stays in force; lowered here so that a small picture is "too large".
    original = phone_photo(orientation=1)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # 40x20 = 800 pixels, over twice the limit

    with pytest.raises(ValueError):
        uploads.photo_without_metadata(io.BytesIO(original), "现场.jpg")
