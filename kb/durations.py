"""Ages and durations as written in case reports → ISO 8601 durations and days (pure).

"01-month-old" → P1M (30.4 d)   "02 months old" → P2M   "23 years old" → P23Y
"after 04 months" → P4M          "3.5 months" → P3.5M    "3 weeks" → P3W
"1st day of life" → P1D           "two weeks" → P2W
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 30.4375, "Y": 365.25, "H": 1 / 24}
_UNITS = {
    "hour": "H", "hours": "H", "hr": "H", "hrs": "H", "h": "H",
    "day": "D", "days": "D", "d": "D",
    "week": "W", "weeks": "W", "wk": "W", "wks": "W",
    "month": "M", "months": "M", "mo": "M", "mos": "M", "mth": "M",
    "year": "Y", "years": "Y", "yr": "Y", "yrs": "Y", "y": "Y",
}  # fmt: skip
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1, "several": None,
    "few": None, "a few": None,
}  # fmt: skip
NUMBER = r"(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|an?)"
UNIT = r"(?:hours?|hrs?|days?|weeks?|wks?|months?|mos?|mths?|years?|yrs?)"
QUANTITY = re.compile(rf"(?P<n>{NUMBER})\s*[- ]?\s*(?P<unit>{UNIT})\b", re.IGNORECASE)
_ORDINAL_DAY = re.compile(r"(?P<n>\d+)(?:st|nd|rd|th)\s+day\s+of\s+life", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    amount: float
    unit: str  # one of UNIT_DAYS

    @property
    def iso(self) -> str:
        """ISO 8601 duration: P4M, P3.5M, P23Y, PT12H."""
        amount = f"{self.amount:g}"
        return f"PT{amount}H" if self.unit == "H" else f"P{amount}{self.unit}"

    @property
    def days(self) -> float:
        return round(self.amount * UNIT_DAYS[self.unit], 2)


def parse_quantity(text: str) -> Quantity | None:
    """The first '<number> <unit>' in ``text`` ("after 04 months", "01-month-old"), if any."""
    ordinal = _ORDINAL_DAY.search(text)
    if ordinal:
        return Quantity(float(ordinal.group("n")), "D")
    match = QUANTITY.search(text)
    if not match:
        return None
    raw = match.group("n").lower().replace(",", ".")
    amount = _WORDS.get(raw) if raw in _WORDS else float(raw)
    if amount is None:
        return None
    return Quantity(float(amount), _UNITS[match.group("unit").lower()])


def parse_iso(duration: str) -> Quantity | None:
    """Inverse of ``Quantity.iso``."""
    match = re.fullmatch(r"PT?(?P<n>\d+(?:\.\d+)?)(?P<u>[DWMYH])", duration)
    return Quantity(float(match.group("n")), match.group("u")) if match else None
