"""arXiv's announcement rhythm, as times to check a feed. Pure.

arXiv announces Sunday to Thursday at 20:00 US Eastern; the RSS feed dated the next
day appears when the feeds regenerate around midnight Eastern. So feeds dated Monday
to Friday carry announcements and the Saturday and Sunday feeds are empty. Holidays
are not hard-coded: a feed that has not advanced, or is empty, tells us.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
REGENERATION_GRACE = dt.timedelta(minutes=20)  # feeds switch "around" midnight
POLL_INTERVAL = dt.timedelta(minutes=30)  # while waiting for a day that is due
# A day this late is not coming soon (a holiday shown as a feed that does not advance, an outage
# at arXiv): poll less often rather than ask every half hour all day.
OVERDUE_AFTER = dt.timedelta(hours=6)
OVERDUE_POLL_INTERVAL = dt.timedelta(hours=2)
MAX_ERROR_BACKOFF = dt.timedelta(hours=2)


def next_feed_date(after: dt.date) -> dt.date:
    """The next feed date that can carry an announcement (Monday to Friday)."""
    day = after + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def feed_available_at(day: dt.date) -> dt.datetime:
    """When the feed dated `day` should be there: shortly after midnight Eastern, in UTC."""
    midnight = dt.datetime.combine(day, dt.time(0), EASTERN)
    return (midnight + REGENERATION_GRACE).astimezone(dt.UTC)


def check_after_day(day: dt.date, now: dt.datetime) -> dt.datetime:
    """Done with `day`: rest until the next announcement's feed should exist."""
    return max(feed_available_at(next_feed_date(day)), now + dt.timedelta(minutes=1))


def poll_again(now: dt.datetime, last_day: dt.date | None) -> dt.datetime:
    """The day after `last_day` (the latest stored) is not there yet (stale feed, 304): keep
    polling, every half hour while it is due and every two hours once it is OVERDUE_AFTER late."""
    if last_day is not None and now - feed_available_at(next_feed_date(last_day)) > OVERDUE_AFTER:
        return now + OVERDUE_POLL_INTERVAL
    return now + POLL_INTERVAL


def retry_after_error(now: dt.datetime, error_count: int) -> dt.datetime:
    """Failed checks back off: 5, 10, 20, 40 minutes … at most two hours."""
    delay = dt.timedelta(minutes=5) * (2 ** max(0, min(error_count - 1, 10)))
    return now + min(delay, MAX_ERROR_BACKOFF)
