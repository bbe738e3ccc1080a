"""The service radius of a park (公园绿地服务半径), from its area, per the standard's rules.

The rules are data: ``service_radius_rules`` in ``thresholds.json``
(read by :func:`geo.thresholds.load_thresholds`).
"""

from __future__ import annotations

import numpy as np

from geo.thresholds import load_thresholds


def service_radius(area_m2: np.ndarray, historic: np.ndarray,
                   rules: list[dict] | None = None) -> np.ndarray:
    """The service radius (m) of parks with *area_m2* and *historic* flags; 0 = none.

    Parameters
    ----------
    area_m2
        Park areas in m².
    historic
        Whether each park lies in a historic district (历史地段).
    rules
        ``{"min_area_m2", "historic_only", "radius_m"}`` dicts; default: the
        ``service_radius_rules`` of ``thresholds.json``.

    Returns
    -------
    numpy.ndarray
        The largest radius among the rules each park meets.
    """
    if rules is None:
        rules = load_thresholds()["service_radius_rules"]["rules"]
    radius = np.zeros(len(area_m2))
    for rule in rules:  # a handful of rules, each applied to the whole array
        meets = np.asarray(area_m2) >= rule["min_area_m2"]
        if rule.get("historic_only"):
            meets &= np.asarray(historic, dtype=bool)
        radius = np.where(meets, np.maximum(radius, rule["radius_m"]), radius)
    return radius
