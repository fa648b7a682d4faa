/**
 * Times and durations as go tool pprof prints them, in this machine's time zone, so that the
 * header lines of our reports and Go's are the same text.
 */

/** The zone's abbreviation at that date, as Go prints it (UTC, CET, PDT). */
function zoneName(date: Date): string {
  // The UTC zones' short name without Intl, whose first formatter costs a report's start tens of
  // ms: Date's own text names the zone (in the process's language) from the same ICU data.
  if (date.toString().endsWith(' (Coordinated Universal Time)')) return 'UTC';
  return new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? '';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Nov 21, 2026 at 7:02am (UTC)", in this machine's time zone, as go tool pprof prints a profile's time. */
export function profileTime(timeNanos: number): string {
  const date = new Date(timeNanos / 1e6);
  const hour = date.getHours() % 12 || 12;
  const meridiem = date.getHours() < 12 ? 'am' : 'pm';
  const minutes = String(date.getMinutes()).padStart(2, '0');
  return `${MONTHS[date.getMonth()]} ${date.getDate()}, ${date.getFullYear()} at ${hour}:${minutes}${meridiem} (${zoneName(date)})`;
}

/** A time as Go prints one: `2026-11-21 07:02:36.123456789 +0000 UTC`, in this machine's zone. */
export function goTime(nanos: bigint): string {
  const millis = Number(nanos / 1_000_000n);
  const date = new Date(millis);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const fraction = String(nanos % 1_000_000_000n)
    .padStart(9, '0')
    .replace(/0+$/, '');
  const offset = -date.getTimezoneOffset();
  const zone = `${offset >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${fraction ? `.${fraction}` : ''} ${zone} ${zoneName(date)}`;
}

/** A duration as Go's time.Duration prints one: `2.105793452s`, `1m0.5s`, `500ms`, `1.5µs`. */
export function goDuration(nanos: number): string {
  if (nanos === 0) return '0s';
  const sign = nanos < 0 ? '-' : '';
  const n = Math.abs(nanos);
  const fraction = (value: number, digits: number) => {
    const whole = Math.floor(value / 10 ** digits);
    const rest = String(value % 10 ** digits)
      .padStart(digits, '0')
      .replace(/0+$/, '');
    return `${whole}${rest ? `.${rest}` : ''}`;
  };
  if (n < 1_000) return `${sign}${n}ns`;
  if (n < 1_000_000) return `${sign}${fraction(n, 3)}µs`;
  if (n < 1_000_000_000) return `${sign}${fraction(n, 6)}ms`;
  const hours = Math.floor(n / 3_600_000_000_000);
  const minutes = Math.floor((n % 3_600_000_000_000) / 60_000_000_000);
  const seconds = fraction(n % 60_000_000_000, 9);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}
