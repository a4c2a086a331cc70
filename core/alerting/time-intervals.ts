// Alertmanager's time intervals (timeinterval package), named in a route's mute_time_intervals /
// active_time_intervals: times of day, weekdays, days of month (negative counts from the month's
// end), months and years, in a location (IANA name, "UTC" or "Local"). Lists are alternatives;
// the kinds present must all match.

export interface Range {
  begin: number;
  end: number;
}

export interface TimeInterval {
  /** Minutes of the day, begin inclusive, end exclusive. */
  times?: Range[];
  weekdays?: Range[];
  daysOfMonth?: Range[];
  months?: Range[];
  years?: Range[];
  /** IANA zone; undefined is UTC, "Local" the system's. */
  location?: string;
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

function parseRanges(items: unknown, what: string, parse: (s: string) => number, min: number, max: number): Range[] {
  if (!Array.isArray(items)) throw new Error(`${what}: want a list`);
  return items.map((item) => {
    const s = String(item).trim().toLowerCase();
    const parts = s.split(':');
    if (parts.length > 2 || parts.some((p) => p === '')) throw new Error(`${what}: invalid range "${item}"`);
    const begin = parse(parts[0]!);
    const end = parts.length === 2 ? parse(parts[1]!) : begin;
    for (const v of [begin, end]) {
      if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${what}: "${item}" is out of range`);
    }
    if (what !== 'days_of_month' && begin > end) throw new Error(`${what}: start of range "${item}" is after its end`);
    if (what === 'days_of_month') {
      if (begin === 0 || end === 0) throw new Error(`days_of_month: 0 is not a valid day of the month in "${item}"`);
      if (Math.sign(begin) === Math.sign(end) && begin > end) throw new Error(`days_of_month: start of range "${item}" is after its end`);
    }
    return { begin, end };
  });
}

function nameOrNumber(names: string[], base: number): (s: string) => number {
  return (s) => {
    const i = names.indexOf(s);
    if (i >= 0) return i + base;
    if (!/^-?\d+$/.test(s)) throw new Error(`"${s}" is not a valid name`);
    return Number(s);
  };
}

function minutesOfDay(s: unknown, what: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(String(s));
  if (!m || Number(m[2]) > 59 || Number(m[1]) * 60 + Number(m[2]) > 24 * 60) throw new Error(`${what}: invalid time of day "${String(s)}" (want HH:MM, 00:00 to 24:00)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** One entry of a time_intervals list, from its YAML form. */
export function parseTimeInterval(raw: unknown): TimeInterval {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('want a mapping');
  const r = raw as Record<string, unknown>;
  const out: TimeInterval = {};
  for (const key of Object.keys(r)) {
    if (!['times', 'weekdays', 'days_of_month', 'months', 'years', 'location'].includes(key)) throw new Error(`unknown field "${key}"`);
  }
  if (r.times !== undefined) {
    if (!Array.isArray(r.times)) throw new Error('times: want a list');
    out.times = r.times.map((t: Record<string, unknown>) => {
      const begin = minutesOfDay(t?.start_time, 'start_time');
      const end = minutesOfDay(t?.end_time, 'end_time');
      if (begin >= end) throw new Error('times: start_time must be before end_time');
      return { begin, end };
    });
  }
  if (r.weekdays !== undefined) out.weekdays = parseRanges(r.weekdays, 'weekdays', nameOrNumber(WEEKDAYS, 0), 0, 6);
  if (r.days_of_month !== undefined) out.daysOfMonth = parseRanges(r.days_of_month, 'days_of_month', Number, -31, 31);
  if (r.months !== undefined) out.months = parseRanges(r.months, 'months', nameOrNumber(MONTHS, 1), 1, 12);
  if (r.years !== undefined) out.years = parseRanges(r.years, 'years', Number, 0, 9999);
  if (r.location !== undefined) {
    const loc = String(r.location);
    if (loc !== 'Local' && loc !== 'UTC') {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: loc });
      } catch {
        throw new Error(`location: unknown time zone "${loc}"`);
      }
    }
    if (loc !== 'UTC') out.location = loc;
  }
  return out;
}

interface Parts {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minutes: number;
  daysInMonth: number;
}

function partsAt(ms: number, location: string | undefined): Parts {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: location === undefined ? 'UTC' : location === 'Local' ? undefined : location,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
    weekday: 'long',
  });
  const p: Record<string, string> = {};
  for (const part of fmt.formatToParts(new Date(ms))) p[part.type] = part.value;
  const year = Number(p.year);
  const month = Number(p.month);
  return {
    year,
    month,
    day: Number(p.day),
    weekday: WEEKDAYS.indexOf(p.weekday!.toLowerCase()),
    minutes: Number(p.hour) * 60 + Number(p.minute),
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
  };
}

const within = (ranges: Range[] | undefined, v: number) => ranges === undefined || ranges.some((r) => v >= r.begin && v <= r.end);

/** TimeInterval.ContainsTime. */
export function containsTime(ti: TimeInterval, ms: number): boolean {
  const t = partsAt(ms, ti.location);
  if (ti.times && !ti.times.some((r) => t.minutes >= r.begin && t.minutes < r.end)) return false;
  if (ti.daysOfMonth) {
    const n = t.daysInMonth;
    const ok = ti.daysOfMonth.some((r) => {
      let begin = r.begin < 0 ? n + r.begin + 1 : r.begin;
      let end = r.end < 0 ? n + r.end + 1 : r.end;
      if (begin > n) return false;
      begin = Math.max(-n, Math.min(n, begin));
      end = Math.max(-n, Math.min(n, end));
      return t.day >= begin && t.day <= end;
    });
    if (!ok) return false;
  }
  return within(ti.months, t.month) && within(ti.weekdays, t.weekday) && within(ti.years, t.year);
}

/** Whether ms falls in any interval of any of the named groups (inTimeIntervals). */
export function inTimeIntervals(ms: number, intervals: ReadonlyMap<string, TimeInterval[]>, names: readonly string[]): boolean {
  for (const name of names) {
    const list = intervals.get(name);
    if (!list) throw new Error(`time interval ${name} doesn't exist in config`);
    if (list.some((ti) => containsTime(ti, ms))) return true;
  }
  return false;
}
