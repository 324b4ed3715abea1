"""Score maps and masks as PNGs: decoded here with a PNG reader of its own, pixel by pixel."""

from __future__ import annotations

import struct
import unittest
import zlib
from typing import List, Tuple

from _support import ANALYSIS_ID, FakeClock, StubServer, make_client

from loupe import heatmap_png, mask_png, viridis

Decoded = Tuple[int, int, int, List[List[Tuple[int, ...]]]]


def decode(png: bytes) -> Decoded:
    """(width, height, color type, rows of pixels) of an 8-bit gray or RGBA PNG, every filter type."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    pos, idat, header = 8, b"", None
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        tag, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(tag + data) & 0xFFFFFFFF, f"bad CRC in {tag!r}"
        if tag == b"IHDR":
            header = struct.unpack(">IIBBBBB", data)
        elif tag == b"IDAT":
            idat += data
        elif tag == b"IEND":
            break
        pos += 12 + length
    assert header is not None, "no IHDR"
    width, height, depth, color_type, _, _, interlace = header
    assert depth == 8 and interlace == 0
    channels = {0: 1, 6: 4}[color_type]
    raw, stride = zlib.decompress(idat), width * channels
    rows: List[List[Tuple[int, ...]]] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append([tuple(line[x * channels : (x + 1) * channels]) for x in range(width)])
        previous = line
    return width, height, color_type, rows


class HeatmapPngTest(unittest.TestCase):
    def test_scores_become_viridis_pixels_whose_opacity_is_the_score(self) -> None:
        width, height, color_type, rows = decode(heatmap_png([[0.0, 0.5, 1.0], [1.0, 0.25, 0.0]]))
        self.assertEqual((width, height, color_type), (3, 2, 6))
        self.assertEqual(rows[0][0], (68, 1, 84, 0))  # viridis' dark end, transparent
        self.assertEqual(rows[0][1], (33, 145, 140, 128))  # its middle, half opaque
        self.assertEqual(rows[0][2], (253, 231, 37, 255))  # its bright end, opaque
        self.assertEqual(rows[1][0], rows[0][2])
        self.assertEqual(rows[1][1], (*viridis(0.25), 64))

    def test_value_range_maps_onto_the_colour_map_and_clamps_outside_it(self) -> None:
        _, _, _, rows = decode(heatmap_png([[-5, 10, 20, 99]], value_range=(10, 20), alpha="opaque"))
        self.assertEqual([p[3] for p in rows[0]], [255, 255, 255, 255])
        self.assertEqual(rows[0][0][:3], viridis(0))
        self.assertEqual(rows[0][1][:3], viridis(0))
        self.assertEqual(rows[0][2][:3], viridis(1))
        self.assertEqual(rows[0][3][:3], viridis(1))

    def test_any_indexable_rows_work(self) -> None:
        self.assertEqual(decode(heatmap_png(((0.0, 1.0),)))[3], decode(heatmap_png([[0, 1]]))[3])

    def test_refuses_what_is_not_a_grid_of_finite_numbers(self) -> None:
        for bad in ([], [[]], [[0.1, 0.2], [0.3]], [[0.1, float("nan")]], [[0.1, "0.2"]], [[None]]):
            with self.subTest(grid=bad), self.assertRaises(ValueError):
                heatmap_png(bad)
        with self.assertRaises(ValueError):
            heatmap_png([[0.5]], value_range=(1, 1))


class MaskPngTest(unittest.TestCase):
    def test_set_pixels_are_white_and_the_rest_black(self) -> None:
        width, height, color_type, rows = decode(mask_png([[0, 1, 1], [True, False, 0.7]]))
        self.assertEqual((width, height, color_type), (3, 2, 0))
        self.assertEqual(rows, [[(0,), (255,), (255,)], [(255,), (0,), (255,)]])

    def test_threshold_decides_for_numbers(self) -> None:
        _, _, _, rows = decode(mask_png([[0.2, 0.4, 0.9]], threshold=0.3))
        self.assertEqual(rows[0], [(0,), (255,), (255,)])


class UploadRasterTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = StubServer().__enter__()
        self.addCleanup(self.server.__exit__)
        self.client, _ = make_client(self.server, clock=FakeClock())

    def test_upload_heatmap_puts_the_png_and_returns_its_annotation(self) -> None:
        scores = [[0.0, 0.5], [1.0, 0.25]]
        annotation = self.client.analysis(ANALYSIS_ID).upload_heatmap(scores, class_name="cat", confidence=0.8)
        self.assertEqual(
            annotation,
            {
                "annotation_type": "heatmap",
                "data": {"width": 2, "height": 2, "color_map": "viridis"},
                "storage_path": f"ml_outputs/{ANALYSIS_ID}/heatmap.png",
                "class_name": "cat",
                "confidence": 0.8,
            },
        )
        presign, put = self.server.requests
        self.assertEqual(presign.json["artifact_type"], "heatmap")
        self.assertEqual(presign.json["content_type"], "image/png")
        self.assertEqual(put.body, heatmap_png(scores))

    def test_upload_mask_puts_the_png_and_returns_its_annotation(self) -> None:
        annotation = self.client.analysis(ANALYSIS_ID).upload_mask([[0, 1, 1]], filename="cat-mask.png")
        self.assertEqual(
            annotation,
            {"annotation_type": "mask", "data": {"width": 3, "height": 1}, "storage_path": f"ml_outputs/{ANALYSIS_ID}/cat-mask.png"},
        )
        self.assertEqual(decode(self.server.requests[1].body)[3], [[(0,), (255,), (255,)]])


if __name__ == "__main__":
    unittest.main()
