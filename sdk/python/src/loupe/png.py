"""A model's 2-D outputs as the PNGs Loupe shows: a score map as a heatmap, a mask as a mask.

Grids are rows first (``scores[y][x]``): lists of lists, tuples, or anything with ``len`` and
indexing, such as a 2-D NumPy array. Standard library only (``zlib`` and ``struct``). The
TypeScript SDK's ``heatmapPng`` and ``maskPng`` write the same pixels for the same input.
"""

from __future__ import annotations

import math
import struct
import zlib
from typing import Any, Sequence, Tuple

__all__ = ["heatmap_png", "mask_png", "viridis", "grid_size"]

# matplotlib's viridis at nine evenly spaced points; between them, linear.
_VIRIDIS: Tuple[Tuple[int, int, int], ...] = (
    (68, 1, 84),
    (71, 45, 123),
    (59, 82, 139),
    (44, 114, 142),
    (33, 145, 140),
    (40, 174, 128),
    (94, 201, 98),
    (173, 220, 48),
    (253, 231, 37),
)

Grid = Sequence[Sequence[Any]]


def _round(x: float) -> int:
    # JavaScript's Math.round for the non-negative values here (Python's round() rounds half to even).
    return int(math.floor(x + 0.5))


def viridis(t: float) -> Tuple[int, int, int]:
    """The viridis colour of ``t`` in 0..1 (clamped), as (r, g, b)."""
    x = min(1.0, max(0.0, t)) * (len(_VIRIDIS) - 1)
    i = min(int(math.floor(x)), len(_VIRIDIS) - 2)
    f = x - i
    a, b = _VIRIDIS[i], _VIRIDIS[i + 1]
    return (_round(a[0] + (b[0] - a[0]) * f), _round(a[1] + (b[1] - a[1]) * f), _round(a[2] + (b[2] - a[2]) * f))


def grid_size(grid: Grid) -> Tuple[int, int]:
    """(width, height) of a rectangular grid; raises ``ValueError`` on an empty or ragged one."""
    height = len(grid)
    width = len(grid[0]) if height else 0
    if not height or not width:
        raise ValueError("the grid is empty: give at least one row with at least one value")
    for y in range(1, height):
        if len(grid[y]) != width:
            raise ValueError(f"row {y} has {len(grid[y])} values, row 0 has {width}: the grid must be rectangular")
    return width, height


def _finite(value: Any, x: int, y: int) -> float:
    if isinstance(value, (str, bytes, bool)) or value is None:
        raise ValueError(f"value at row {y}, column {x} is {value!r}, not a finite number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"value at row {y}, column {x} is {value!r}, not a finite number") from None
    if not math.isfinite(number):
        raise ValueError(f"value at row {y}, column {x} is {value!r}, not a finite number")
    return number


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def _png(width: int, height: int, color_type: int, rows: Sequence[bytes]) -> bytes:
    # Filter type 0 (none) on every row; 8 bits per channel; color type 0 = gray, 6 = RGBA.
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b"")


def heatmap_png(scores: Grid, value_range: Tuple[float, float] = (0.0, 1.0), alpha: str = "score") -> bytes:
    """Scores as an RGBA heatmap PNG in viridis (``color_map: "viridis"``), for a ``heatmap`` annotation.

    ``value_range`` maps to the two ends of the colour map; values outside are clamped. With
    ``alpha="score"`` (the default) a pixel's opacity is its score too, so low scores leave the
    photo visible under the map; ``alpha="opaque"`` makes every pixel fully opaque.
    """
    width, height = grid_size(scores)
    low, high = (float(v) for v in value_range)
    if not (math.isfinite(low) and math.isfinite(high) and high > low):
        raise ValueError("value_range must be (low, high) with low < high")
    if alpha not in ("score", "opaque"):
        raise ValueError('alpha must be "score" or "opaque"')
    rows = []
    for y in range(height):
        source = scores[y]
        row = bytearray(width * 4)
        for x in range(width):
            t = min(1.0, max(0.0, (_finite(source[x], x, y) - low) / (high - low)))
            r, g, b = viridis(t)
            row[x * 4 : x * 4 + 4] = bytes((r, g, b, 255 if alpha == "opaque" else _round(t * 255)))
        rows.append(bytes(row))
    return _png(width, height, 6, rows)


def mask_png(mask: Grid, threshold: float = 0.5) -> bytes:
    """A mask as a grayscale PNG, white where set and black elsewhere (the viewer tints the white).

    Booleans are set when true; a number is set at or above ``threshold`` (0.5, so 0/1 masks work).
    """
    width, height = grid_size(mask)
    if not math.isfinite(threshold):
        raise ValueError("threshold must be a finite number")
    rows = []
    for y in range(height):
        source = mask[y]
        row = bytearray(width)
        for x in range(width):
            value = source[x]
            is_set = value if isinstance(value, bool) else _finite(value, x, y) >= threshold
            row[x] = 255 if is_set else 0
        rows.append(bytes(row))
    return _png(width, height, 0, rows)
