"""time: the arrival time of the packet: date range, time of day, weekdays, days of the month."""

from typing import Iterator

from fwlint.ast import Option
from fwlint.extensions import Opaque, OptionSpec, ValueProblem, match
from fwlint.extensions.values import DATE, MONTHDAY_LIST, TIME_OF_DAY, WEEKDAY_LIST


def _validate(options: tuple[Option, ...], family: int) -> Iterator[ValueProblem]:
    """--contiguous is for a span over midnight: iptables refuses it when the stop time
    (23:59:59 by default) comes after the start time (00:00:00 by default)."""
    given = {o.name: o for o in options}
    if "contiguous" not in given:
        return
    try:
        start = int(TIME_OF_DAY.parse(given["timestart"].value or "", family)) \
            if "timestart" in given else 0  # type: ignore[arg-type]
        stop = int(TIME_OF_DAY.parse(given["timestop"].value or "", family)) \
            if "timestop" in given else 86399  # type: ignore[arg-type]
    except ValueError:
        return  # reported for itself
    if stop > start:  # equal times are the whole day, which iptables takes with --contiguous
        yield ValueProblem("contiguous", "--contiguous only with a --timestop at or before the "
                                         "--timestart (a span over midnight): iptables refuses it otherwise")


def _nft(match, ctx):
    """--timestart/--timestop as ``meta hour 28800-61199``: seconds of the day written as
    numbers, which nft hands the kernel as they are, in UTC as the time match counts them
    (nft reads ``meta hour "08:00"`` as the local time of the host that loads the rules, and
    lists the numbers so too).  A span over midnight is ``meta hour != STOP+1-START-1``.
    --datestart/--datestop as ``meta time >= SECONDS`` (seconds since 1970, UTC).
    --weekdays as ``meta day { 1, 2 }`` (0 is Sunday); nft counts days in the kernel's time
    zone (sys_tz, normally UTC), the time match in UTC (approximate); with --contiguous a
    span over midnight is two rules, the second with the next days.  With --kerneltz the match
    counts in the kernel's time zone: the times are written as strings, read in the time zone
    of the host loading the rules (approximate).  --monthdays has no nft form."""
    import calendar

    opts = ctx.options(match)
    if "monthdays" in opts:
        ctx.refuse("--monthdays: nft has no day of the month to test", opts["monthdays"])
    local = "kerneltz" in opts
    if local:
        ctx.approximate("--kerneltz: the times are written as local times, read in the time zone of "
                        "the host that loads the rules, not the kernel's", opts["kerneltz"])
    parts = []
    hour = ctx.meta("hour")
    for name, op in (("datestart", ">="), ("datestop", "<=")):
        if name in opts:
            when = calendar.timegm(tuple(ctx.value(opts[name])) + (0, 0, 0))
            if local:
                text = "{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}".format(*ctx.value(opts[name]))
                parts.append(ctx.compare(ctx.meta("time"), op, ctx.literal(f'"{text}"', text)))
            else:
                parts.append(ctx.compare(ctx.meta("time"), op, ctx.number(when)))

    def seconds(value):
        if not local:
            return ctx.number(value)
        text = f"{value // 3600:02d}:{value // 60 % 60:02d}:{value % 60:02d}"
        return ctx.literal(f'"{text}"', text)

    def span(low, high):
        if not local:
            return ctx.range(low, high)
        return ctx.literal(f"{seconds(low).text}-{seconds(high).text}",
                           {"range": [seconds(low).json, seconds(high).json]})

    start = ctx.value(opts["timestart"]) if "timestart" in opts else 0
    stop = ctx.value(opts["timestop"]) if "timestop" in opts else 86399
    # xt_time: a start before the stop is that span; otherwise (a stop before the start, or the
    # two equal) every second but those after the stop and before the start, which is every
    # second of the day when the start is the stop or the second after it
    over_midnight = start >= stop
    if "timestart" in opts or "timestop" in opts:
        if not over_midnight:
            if (start, stop) != (0, 86399):
                parts.append(ctx.match(hour, span(start, stop)))
        elif start > stop + 1:  # the hours outside are stop+1 .. start-1
            parts.append(ctx.match(hour, span(stop + 1, start - 1), True))
    if "weekdays" not in opts:
        return parts
    opt = opts["weekdays"]
    days = sorted(ctx.value(opt))
    if opt.negated:
        days = [d for d in range(1, 8) if d not in days]
    if not days:
        ctx.never("no weekday is left", opt)
    if not local:
        ctx.approximate("--weekdays: nft counts days in the kernel's time zone (sys_tz, normally UTC), "
                        "the time match in UTC", opt)

    def day_set(numbers):
        return ctx.set([ctx.number(d % 7, "day") for d in numbers])

    if over_midnight and "contiguous" in opts:
        # the seconds up to the stop count as the day before
        base = [p for p in parts if p.left is not hour]
        early = [*base, ctx.compare(hour, "<=", seconds(stop)),
                 ctx.match(ctx.meta("day"), day_set([d + 1 for d in days]))]
        late_from = max(start, stop + 1)
        if late_from > 86399:
            return early
        late = ctx.compare(hour, ">=", seconds(late_from))
        return ctx.any_of([*base, late, ctx.match(ctx.meta("day"), day_set(days))], early)
    parts.append(ctx.match(ctx.meta("day"), day_set(days)))
    return parts


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
    nft=_nft,
    meaning=Opaque("the time of arrival is not a header field"),
    exclusive=(frozenset({"kerneltz", "utc"}),),
    validate=_validate,
)
