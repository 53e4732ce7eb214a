"""Tests of digits.imaging.io: decoding every accepted kind of input into float32 luminance."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from digits.errors import DigitsError, InputError
from digits.imaging.io import MAX_PIXELS, ImageDecodeError, ImageTooLargeError, array_to_grey, load_image, read_image

H, W = 24, 32


def _rgb() -> np.ndarray:
    """A (24, 32, 3) uint8 test card: smooth colour ramps and a black square."""
    ys, xs = np.mgrid[:H, :W]
    rgb = np.stack([xs * 255 // (W - 1), ys * 255 // (H - 1), np.full_like(xs, 128)], axis=-1).astype(np.uint8)
    rgb[8:16, 8:16] = 0
    return rgb


def _luma(rgb: np.ndarray) -> np.ndarray:
    return (rgb.astype(np.float64) @ [0.299, 0.587, 0.114]) / 255


def _encode(image: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny real PNG whose IHDR is patched (CRC fixed) to claim ``width`` x ``height``."""
    data = bytearray(_encode(Image.new("L", (4, 4), 255), "PNG"))
    # signature (8), chunk length (4), b"IHDR" (4), width (4), height (4), ... , CRC over type + data
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("fmt", "kwargs", "tolerance"),
    [
        ("PNG", {}, 0.003),
        ("BMP", {}, 0.003),
        ("TIFF", {}, 0.003),
        ("WEBP", {"lossless": True}, 0.003),
        ("WEBP", {"quality": 90}, 0.08),
        ("JPEG", {"quality": 95}, 0.08),
        ("GIF", {}, 0.08),  # quantised to a 256-colour palette
    ],
)
def test_every_format_decodes_to_luminance(fmt: str, kwargs: dict, tolerance: float) -> None:
    rgb = _rgb()
    grey = load_image(_encode(Image.fromarray(rgb), fmt, **kwargs))
    assert grey.dtype == np.float32 and grey.shape == (H, W)
    assert 0.0 <= grey.min() and grey.max() <= 1.0
    assert np.abs(grey - _luma(rgb)).mean() < tolerance
    assert grey[10:14, 10:14].max() < 0.1  # the black square stays black


def test_grey_and_bilevel_images() -> None:
    grey = (np.arange(H * W).reshape(H, W) % 256).astype(np.uint8)
    np.testing.assert_allclose(load_image(_encode(Image.fromarray(grey), "PNG")), grey / 255, atol=1e-6)
    bits = Image.fromarray(grey > 127).convert("1")
    np.testing.assert_array_equal(load_image(_encode(bits, "PNG")), (grey > 127).astype(np.float32))


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_16_bit_precision_is_kept(fmt: str) -> None:
    values = (np.arange(64 * 64).reshape(64, 64) * 16 + 3).astype(np.uint16)
    grey = load_image(_encode(Image.fromarray(values), fmt))
    np.testing.assert_allclose(grey, values / 65535, atol=1e-6)
    assert len(np.unique(grey)) == 64 * 64  # more than 256 levels survive


def test_gif_gives_its_first_frame() -> None:
    frames = [Image.new("L", (8, 8), 255), Image.new("L", (8, 8), 0)]
    data = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(data)).n_frames == 2
    np.testing.assert_array_equal(load_image(data), np.ones((8, 8), np.float32))


# ---------------------------------------------------------------- transparency


def test_rgba_is_composited_on_white() -> None:
    rgba = np.zeros((4, 4, 4), np.uint8)  # black everywhere, alpha 0 / 128 / 255 by column
    rgba[:, 1, 3] = 128
    rgba[:, 2:, 3] = 255
    grey = load_image(_encode(Image.fromarray(rgba), "PNG"))
    np.testing.assert_allclose(grey[:, 0], 1.0)
    np.testing.assert_allclose(grey[:, 1], 1 - 128 / 255, atol=1e-6)
    np.testing.assert_allclose(grey[:, 2:], 0.0)


def test_grey_with_alpha_is_composited_on_white() -> None:
    la = Image.merge("LA", [Image.new("L", (4, 4), 0), Image.new("L", (4, 4), 0)])
    np.testing.assert_allclose(load_image(_encode(la, "PNG")), 1.0)
    np.testing.assert_allclose(load_image(np.zeros((4, 4, 2), np.uint8)), 1.0)


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_palette_transparency_is_white(fmt: str) -> None:
    image = Image.new("P", (8, 8), 0)
    image.putpalette([0, 0, 0, 0, 0, 0] + [0] * 762)  # index 0 transparent black, index 1 opaque black
    image.paste(1, (0, 0, 4, 8))
    grey = load_image(_encode(image, fmt, transparency=0))
    np.testing.assert_allclose(grey[:, 4:], 1.0)
    np.testing.assert_allclose(grey[:, :4], 0.0)


def test_transparent_canvas_reads_as_blank_paper() -> None:
    np.testing.assert_allclose(load_image(Image.new("RGBA", (30, 20), (0, 0, 0, 0))), 1.0)


# ---------------------------------------------------------------- orientation and size


def test_exif_orientation_is_applied() -> None:
    pixels = np.full((20, 40), 255, np.uint8)  # landscape, a black mark at its top-left
    pixels[:6, :6] = 0
    exif = Image.Exif()
    exif[0x0112] = 6  # display after rotating 90 degrees clockwise
    data = _encode(Image.fromarray(pixels), "JPEG", quality=95, exif=exif)
    grey, size = read_image(data)
    assert grey.shape == (40, 20) and size == (40, 20)
    assert grey[:6, -6:].mean() < 0.2  # the mark is now top-right
    assert grey[:6, :6].mean() > 0.8


def test_max_side_shrinks_and_reports_the_full_size() -> None:
    rng = np.random.default_rng(0)
    big = Image.fromarray(rng.integers(0, 256, (600, 1000), dtype=np.uint8))
    for data in (_encode(big, "JPEG"), _encode(big, "PNG")):
        grey, size = read_image(data, max_side=250)
        assert max(grey.shape) == 250 and grey.shape == (150, 250)
        assert size == (600, 1000)


# ---------------------------------------------------------------- sources


def test_paths_file_objects_and_pil_images(tmp_path: Path) -> None:
    rgb = _rgb()
    path = tmp_path / "card.png"
    Image.fromarray(rgb).save(path)
    expected = load_image(rgb)
    np.testing.assert_allclose(load_image(path), expected, atol=1e-6)
    np.testing.assert_allclose(load_image(str(path)), expected, atol=1e-6)
    with open(path, "rb") as handle:
        np.testing.assert_allclose(load_image(handle), expected, atol=1e-6)
    np.testing.assert_allclose(load_image(Image.open(path)), expected, atol=1e-6)
    np.testing.assert_allclose(load_image(bytearray(path.read_bytes())), expected, atol=1e-6)


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (np.array([[0, 255]], np.uint8), [[0.0, 1.0]]),
        (np.array([[0, 65535]], np.uint16), [[0.0, 1.0]]),
        (np.array([[0.0, 0.25]], np.float64), [[0.0, 0.25]]),
        (np.array([[False, True]]), [[0.0, 1.0]]),
        (np.array([[0, 255]], np.int64), [[0.0, 1.0]]),
        (np.array([[[0], [255]]], np.uint8), [[0.0, 1.0]]),
        (np.array([[[255, 0, 0], [0, 0, 255]]], np.uint8), [[0.299, 0.114]]),
        (np.array([[[0, 0, 0, 0], [0, 0, 0, 255]]], np.uint8), [[1.0, 0.0]]),
    ],
)
def test_arrays(array: np.ndarray, expected: list) -> None:
    grey = load_image(array)
    assert grey.dtype == np.float32
    np.testing.assert_allclose(grey, expected, atol=1e-6)


def test_rgb_luma_matches_pillow() -> None:
    rgb = _rgb()
    pillow = np.asarray(Image.fromarray(rgb).convert("L"), np.float32) / 255
    np.testing.assert_allclose(array_to_grey(rgb), pillow, atol=1.5 / 255)
    np.testing.assert_array_equal(load_image(_encode(Image.fromarray(rgb), "PNG")), array_to_grey(rgb))


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((3, 8, 8)), "channels-first"),
        (np.zeros((2, 2, 2, 2)), "expected shape"),
        (np.zeros((0, 5), np.uint8), "zero size"),
        (np.array([[0.0, 255.0]]), "Divide 8-bit values by 255"),
        (np.array([[np.nan, 0.5]]), "NaN"),
        (np.array([[-1, 3]], np.int32), "0-65535"),
        (np.array([[1 + 1j]]), "unsupported dtype"),
    ],
)
def test_bad_arrays_are_refused(array: np.ndarray, message: str) -> None:
    with pytest.raises(ImageDecodeError, match=message) as info:
        load_image(array)
    assert "<array of shape" in str(info.value)


# ---------------------------------------------------------------- refusals


def test_errors_are_input_errors() -> None:
    assert issubclass(ImageDecodeError, InputError) and issubclass(ImageTooLargeError, InputError)
    assert issubclass(ImageDecodeError, DigitsError) and issubclass(ImageTooLargeError, ValueError)


def test_header_over_40_megapixels_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    data = _png_claiming(10_000, 5_000)
    assert len(data) < 100 and MAX_PIXELS == 40_000_000
    with pytest.raises(ImageTooLargeError, match=r"10000x5000 is 50,000,000 pixels.*40,000,000"):
        load_image(data)
    with pytest.raises(ImageTooLargeError, match="10,000 pixels, more than the 9,999"):
        load_image(_png_claiming(100, 100), max_pixels=9_999)


@pytest.mark.parametrize("size", [(12_000, 10_000), (20_000, 20_000)])
def test_pillow_decompression_bomb_checks_become_our_error(size: tuple[int, int]) -> None:
    # over Pillow's own limit (warning), and over twice it (error)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning may escape
        with pytest.raises(ImageTooLargeError, match="decompression bomb"):
            load_image(_png_claiming(*size))


def test_large_array_is_refused() -> None:
    with pytest.raises(ImageTooLargeError, match="1000x1000"):
        load_image(np.zeros((1000, 1000), np.uint8), max_pixels=10_000)


def test_truncated_files_are_refused() -> None:
    noise = np.random.default_rng(0).integers(0, 256, (200, 200), dtype=np.uint8)
    for fmt in ("PNG", "JPEG"):
        data = _encode(Image.fromarray(noise), fmt)
        with pytest.raises(ImageDecodeError, match=rf"<{len(data) // 2} bytes>.*corrupt or truncated"):
            load_image(data[: len(data) // 2])


@pytest.mark.parametrize(
    "data",
    [
        b"hello, this is text",
        np.random.default_rng(1).integers(0, 256, 1000, dtype=np.uint8).tobytes(),
        b"\x89PNG\r\n\x1a\n" + bytes(30),
        b"%PDF-1.4\n" + bytes(100),
    ],
)
def test_random_bytes_are_not_an_image(data: bytes) -> None:
    with pytest.raises(ImageDecodeError, match=rf"<{len(data)} bytes>.*not a valid image"):
        load_image(data)


def test_unsupported_format_is_refused() -> None:
    data = _encode(Image.new("RGB", (10, 10)), "PPM")
    with pytest.raises(ImageDecodeError, match="supported format"):
        load_image(data)


def test_zero_size_images_are_refused() -> None:
    with pytest.raises(ImageDecodeError, match="zero size 0x0"):
        load_image(Image.new("L", (0, 0)))
    with pytest.raises(ImageDecodeError, match="zero size"):
        load_image(np.zeros((5, 0, 3), np.uint8))
    with pytest.raises(ImageDecodeError, match="zero width or height"):
        load_image(_png_claiming(0, 5))
    with pytest.raises(ImageDecodeError, match="empty"):
        load_image(b"")


def test_missing_and_unreadable_paths(tmp_path: Path) -> None:
    missing = tmp_path / "nope.png"
    with pytest.raises(ImageDecodeError, match=r"nope\.png.*no such file"):
        load_image(missing)
    with pytest.raises(ImageDecodeError, match="not a regular file"):
        load_image(tmp_path)
    text = tmp_path / "notes.png"
    text.write_text("not really a png")
    with pytest.raises(ImageDecodeError, match=r"notes\.png.*not a valid image"):
        load_image(text)


def test_unknown_source_type() -> None:
    with pytest.raises(ImageDecodeError, match="expected a path, bytes"):
        load_image(12345)  # type: ignore[arg-type]
