"""The request rate over time and exact integrals of it.

A workload offers requests at rate λ(t): a mean ``rate`` shaped by an
optional daily ``profile`` of 24 hourly multipliers (piecewise constant,
rescaled to mean 1, so the mean rate over a day is ``rate``). The request
path's success ratio r(t) is piecewise linear between events (constant,
except while DNS caches drain, when it moves linearly), so the requests
offered, ``∫ λ``, and served, ``∫ λ r``, are integrated in closed form:
no request and no second is simulated one by one (docs/traffic.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["DAY", "HOUR", "RateProfile"]

HOUR = 3600.0
DAY = 86400.0


class RateProfile:
    """λ(t): ``rate`` requests per second times the hourly ``profile`` multiplier.

    Parameters
    ----------
    rate : float
        Mean requests per second.
    profile : sequence of 24 floats, optional
        Relative load of each hour of the day (hour 0 starts at t = 0);
        rescaled to mean 1. Omitted: a constant rate.
    """

    def __init__(self, rate: float, profile: Sequence[float] | None = None):
        self.rate = float(rate)
        self.flat = profile is None
        if profile is None:
            self.hourly = [self.rate] * 24
        else:
            mean = sum(profile) / 24.0
            self.hourly = [self.rate * float(m) / mean for m in profile]
        self.cum = [0.0]
        for lam in self.hourly:
            self.cum.append(self.cum[-1] + lam * HOUR)
        self.day_total = self.cum[-1]

    def at(self, t: float) -> float:
        """λ(t), requests per second."""
        if self.flat:
            return self.rate
        return self.hourly[min(23, int((t % DAY) // HOUR))]

    def peak(self) -> float:
        """The largest λ over the day."""
        return max(self.hourly)

    def cumulative(self, t: float) -> float:
        """Λ(t) = ∫₀ᵗ λ(u) du, the requests offered up to ``t``."""
        if self.flat:
            return self.rate * t
        days, x = divmod(t, DAY)
        h = min(23, int(x // HOUR))
        return days * self.day_total + self.cum[h] + self.hourly[h] * (x - h * HOUR)

    def base_and_moment(self, a: float, b: float) -> tuple[float, float]:
        """(∫ₐᵇ λ(u) du, ∫ₐᵇ λ(u) (u − a) du): the integral of r0 + slope (u − a) is
        ``r0 * base + slope * moment``."""
        if b <= a:
            return 0.0, 0.0
        base = self.cumulative(b) - self.cumulative(a)
        if self.flat:
            return base, self.rate * (b - a) ** 2 / 2.0
        moment = 0.0
        u = a
        while u < b:
            v = min(b, (math.floor(u / HOUR) + 1.0) * HOUR)
            lam = self.hourly[min(23, int((u % DAY) // HOUR))]
            moment += lam * ((v - a) ** 2 - (u - a) ** 2) / 2.0
            u = v
        return base, moment

    def integrate(self, a: float, b: float, r0: float, slope: float) -> float:
        """∫ₐᵇ λ(u) (r0 + slope (u − a)) du, exactly.

        With ``slope`` 0 this is ``r0 (Λ(b) − Λ(a))``. A linear part only
        occurs while DNS caches drain (at most one TTL), so walking the hour
        boundaries inside it costs little.
        """
        if b <= a:
            return 0.0
        base = self.cumulative(b) - self.cumulative(a)
        if slope == 0.0:
            return r0 * base
        if self.flat:
            return r0 * base + slope * self.rate * (b - a) ** 2 / 2.0
        moment = 0.0  # ∫ λ(u) (u - a) du
        u = a
        while u < b:
            v = min(b, (math.floor(u / HOUR) + 1.0) * HOUR)
            lam = self.hourly[min(23, int((u % DAY) // HOUR))]
            moment += lam * ((v - a) ** 2 - (u - a) ** 2) / 2.0
            u = v
        return r0 * base + slope * moment
