"""Great-circle distance and "nearest N" selection.

Haversine on a spherical Earth is off by at most ~0.5 % against the ellipsoid,
which is far below what matters when telling a parent which of three clinics is
closest; it needs no dependency and is exact enough to test by hand.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

# IUGG mean Earth radius (R1). Tests compute expected distances with the same value.
EARTH_RADIUS_M = 6_371_008.8


T = TypeVar("T")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres between two WGS84 points given in decimal degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    # min() guards against a tiny float overshoot above 1 for antipodal points.
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _position_of(item: Any) -> tuple[float, float]:
    return item.lat, item.lon


def nearest(
    points: Iterable[T],
    lat: float,
    lon: float,
    n: int,
    position: Callable[[T], tuple[float, float]] = _position_of,
) -> list[tuple[T, float]]:
    """The ``n`` points closest to (lat, lon), closest first, each with its distance in metres.

    Points need ``.lat``/``.lon`` attributes unless ``position`` says how to read them.
    Equal distances keep the input order, so results are deterministic for equal inputs.
    """
    if n <= 0:
        return []
    measured = (
        (haversine_m(lat, lon, *position(point)), index, point)
        for index, point in enumerate(points)
    )
    return [(point, dist) for dist, _, point in heapq.nsmallest(n, measured)]
