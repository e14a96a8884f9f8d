"""Two-threshold levels with hysteresis: ok -> low -> near_saturation and back.

A value must cross a threshold to enter a worse level, and come back past the threshold plus
the hysteresis margin to return to a better one, so a volume sitting at the threshold does not
flap between levels.
"""

from __future__ import annotations

from dataclasses import dataclass

OK, LOW, NEAR = "ok", "low", "near_saturation"


@dataclass
class Levels:
    """Thresholds on a "headroom" value (percent free): lower is worse."""

    low: float = 20.0  # below this: running low (P4 rows)
    near_saturation: float = 10.0  # below this: near saturation (P3 rows)
    hysteresis: float = 2.0  # margin to come back up
    level: str = OK

    def update(self, headroom: float) -> str:
        h = self.hysteresis
        if self.level == OK:
            if headroom < self.near_saturation:
                self.level = NEAR
            elif headroom < self.low:
                self.level = LOW
        elif self.level == LOW:
            if headroom < self.near_saturation:
                self.level = NEAR
            elif headroom >= self.low + h:
                self.level = OK
        else:  # NEAR
            if headroom >= self.low + h:
                self.level = OK
            elif headroom >= self.near_saturation + h:
                self.level = LOW
        return self.level
