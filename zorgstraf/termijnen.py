"""Deadlines that follow from `ontvangen_op` and the region's parameters.

- OvJ: an arrested suspect may be held for questioning up to 9 hours, not counting 00:00-09:00
  (Wetboek van Strafvordering; shared/reference/domain.md §3). We count from `ontvangen_op`
  because the moment of arrest is not in the melding: the real deadline can only be earlier.
- Veilig Thuis: the veiligheidsbeoordeling at once when danger is acute, at ZSM within the OvJ's
  window, otherwise within 5 working days of the report (a zorgmelding too: VT assesses safety for
  every report it receives; Handelingsprotocol Veilig Thuis). Working days skip weekends and Dutch public holidays.
- Actie-overleg: the first of the region's AO weekdays after the day of receipt.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from .fields import WEEKDAGEN

OVJ_HOURS = 9
NIGHT_END = time(9, 0)  # 00:00-09:00 does not count
VT_WORKING_DAYS = 5


def ovj_deadline(start: datetime, hours: int = OVJ_HOURS) -> datetime:
    remaining = timedelta(hours=hours)
    moment = start
    while True:
        if moment.time() < NIGHT_END:
            moment = moment.replace(hour=9, minute=0, second=0, microsecond=0)
        midnight = datetime.combine(moment.date() + timedelta(days=1), time(0), tzinfo=moment.tzinfo)
        if moment + remaining <= midnight:
            return moment + remaining
        remaining -= midnight - moment
        moment = midnight


@lru_cache(maxsize=64)
def dutch_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in dutch_holidays(day.year)


def add_working_days(day: date, days: int) -> date:
    current = day
    while days > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            days -= 1
    return current


def next_weekday(day: date, weekday: str) -> date:
    target = WEEKDAGEN.index(weekday)
    ahead = (target - day.weekday() - 1) % 7 + 1  # strictly after the day of receipt
    return day + timedelta(days=ahead)
