"""time: the arrival time of the packet: date range, time of day, weekdays, days of the month."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import DATE, MONTHDAY_LIST, TIME_OF_DAY, WEEKDAY_LIST

EXTENSION = match(
    "time",
    OptionSpec("datestart", value=DATE, help="from this date, YYYY[-MM[-DD[Thh[:mm[:ss]]]]]"),
    OptionSpec("datestop", value=DATE, help="until this date (inclusive)"),
    OptionSpec("timestart", value=TIME_OF_DAY, help="daily from this time, hh:mm[:ss]"),
    OptionSpec("timestop", value=TIME_OF_DAY, help="daily until this time (inclusive)"),
    OptionSpec("monthdays", value=MONTHDAY_LIST, invertible=True, help="on these days of the month, 1-31"),
    OptionSpec("weekdays", value=WEEKDAY_LIST, invertible=True,
               help="on these weekdays: Mon..Sun, Mo..Su or 1-7"),
    OptionSpec("contiguous", arity=0,
               help="a --timestop before --timestart is one period across midnight"),
    OptionSpec("kerneltz", aliases=("localtz",), arity=0,
               help="use the kernel's time zone instead of UTC (discouraged)"),
    OptionSpec("utc", arity=0, help="use UTC (the default)"),
    summary="time and date of arrival (UTC unless --kerneltz)",
    meaning=Opaque("the time of arrival is not a header field"),
    exclusive=(frozenset({"kerneltz", "utc"}),),
)
