/**
 * Values as pprof reports print them: scaled to a readable unit (`1.23s`, `512kB`), and
 * percentages with go tool pprof's widths and rounding, so that our reports and Go's can be
 * compared row by row.
 */

interface Unit {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly factor: number;
}
interface UnitFamily {
  readonly units: readonly Unit[];
  readonly fallback: Unit;
}

const BYTES: UnitFamily = {
  units: [
    { name: 'B', aliases: ['b', 'byte'], factor: 1 },
    { name: 'kB', aliases: ['kb', 'kbyte', 'kilobyte'], factor: 2 ** 10 },
    { name: 'MB', aliases: ['mb', 'mbyte', 'megabyte'], factor: 2 ** 20 },
    { name: 'GB', aliases: ['gb', 'gbyte', 'gigabyte'], factor: 2 ** 30 },
    { name: 'TB', aliases: ['tb', 'tbyte', 'terabyte'], factor: 2 ** 40 },
    { name: 'PB', aliases: ['pb', 'pbyte', 'petabyte'], factor: 2 ** 50 },
  ],
  fallback: { name: 'B', aliases: [], factor: 1 },
};
const TIME: UnitFamily = {
  units: [
    { name: 'ns', aliases: ['ns', 'nanosecond'], factor: 1 },
    { name: 'us', aliases: ['μs', 'us', 'microsecond'], factor: 1e3 },
    { name: 'ms', aliases: ['ms', 'millisecond'], factor: 1e6 },
    { name: 's', aliases: ['s', 'sec', 'second'], factor: 1e9 },
    { name: 'hrs', aliases: ['hour', 'hr'], factor: 3600e9 },
  ],
  fallback: { name: 's', aliases: [], factor: 1e9 },
};
const FAMILIES = [BYTES, TIME];

/** A unit name as profiles spell it ("nanoseconds", "bytes"), in one of the families. */
function unitOf(family: UnitFamily, name: string): Unit | undefined {
  let alias = name.toLowerCase();
  if (alias.length > 2) alias = alias.replace(/s$/, '');
  return family.units.find((unit) => unit.aliases.includes(alias));
}

/**
 * The units values of a sample type's unit can be printed in (-unit), smallest first: ms, s...
 * for a time, kB, MB... for bytes, none for a count.
 */
export function unitChoices(unit: string): string[] {
  const family = FAMILIES.find((candidate) => unitOf(candidate, unit));
  return family ? family.units.map((choice) => choice.name) : [];
}

/**
 * `value` in `from` units expressed in `to` units, or, with `to` "auto" or "minimum", in the
 * largest unit of its family the value is at least 1 of. Units outside the families (count,
 * objects) stay as they are; the returned unit is then "" for counts.
 */
export function scale(value: number, from: string, to: string): [number, string] {
  if (value < 0) {
    const [scaled, unit] = scale(-value, from, to);
    return [-scaled, unit];
  }
  for (const family of FAMILIES) {
    const source = unitOf(family, from);
    if (!source) continue;
    const base = value * source.factor;
    if (to === 'auto' || to === 'minimum') {
      let best: Unit | undefined;
      for (const unit of family.units) if ((!best || unit.factor >= best.factor) && base / unit.factor >= 1) best = unit;
      const unit = best ?? family.fallback;
      return [base / unit.factor, unit.name];
    }
    const target = unitOf(family, to) ?? family.fallback;
    return [base / target.factor, target.name];
  }
  return ['count', 'sample', 'unit', 'minimum', 'auto'].includes(to) ? [value, ''] : [value, to];
}

/** A value with two decimals (".00" dropped) and its unit: `1.23s`, `10ms`, `0`. */
export function scaledLabel(value: number, from: string, to: string): string {
  const [scaled, unit] = scale(value, from, to);
  const text = toFixed(scaled, 2).replace(/\.00$/, '');
  return text === '0' || text === '-0' ? '0' : `${text}${unit}`;
}

/**
 * `value` as a share of `total`, 6 characters wide: `  100%`, `55.99%`, and two significant
 * digits below 1% (` 0.51%`, `0.046%`).
 */
export function percentage(value: number, total: number): string {
  const ratio = total === 0 ? 0 : Math.abs(value / total) * 100;
  if (ratio >= 99.95 && ratio <= 100.05) return '  100%';
  if (ratio >= 1) return `${toFixed(ratio, 2).padStart(5)}%`;
  return `${significant(ratio, 2).padStart(5)}%`;
}

/**
 * `value` to `digits` significant digits, trailing zeros dropped, in exponent form when the
 * exponent is below -4 or reaches `digits` (`1e-05`): how Go's %g prints.
 */
export function significant(value: number, digits: number): string {
  if (value === 0) return '0';
  const sign = value < 0 ? '-' : '';
  const [mantissa, exponentText] = Math.abs(value)
    .toExponential(digits - 1 + EXTRA_DIGITS)
    .split('e') as [string, string];
  const rounded = roundHalfEven(mantissa.replace('.', ''), digits);
  const exponent = Number(exponentText) + (rounded.length > digits ? 1 : 0);
  const kept = rounded.slice(0, digits);
  if (exponent < -4 || exponent >= digits) {
    const fraction = kept.slice(1).replace(/0+$/, '');
    return `${sign}${kept[0]}${fraction ? `.${fraction}` : ''}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const integer = exponent >= 0 ? kept.slice(0, exponent + 1) : '0';
  const fraction = (exponent >= 0 ? kept.slice(exponent + 1) : '0'.repeat(-exponent - 1) + kept).replace(/0+$/, '');
  return `${sign}${integer}${fraction ? `.${fraction}` : ''}`;
}

/**
 * `value` with `decimals` digits after the point, rounded as Go rounds: a value exactly halfway
 * goes to the even digit (40.625 prints 40.62, where JavaScript's toFixed prints 40.63).
 */
export function toFixed(value: number, decimals: number): string {
  const sign = value < 0 ? '-' : '';
  const [integer, fraction] = Math.abs(value)
    .toFixed(decimals + EXTRA_DIGITS)
    .split('.') as [string, string];
  const rounded = roundHalfEven(integer + fraction, integer.length + decimals);
  const integerDigits = rounded.length - decimals;
  const text = decimals > 0 ? `${rounded.slice(0, integerDigits)}.${rounded.slice(integerDigits)}` : rounded;
  return /^[0.]+$/.test(text) ? text : sign + text;
}

/**
 * Digits past the ones kept that decide a rounding: a double near the values reports print
 * holds under 20 significant digits, so a true halfway case shows as 5 and then only zeros.
 */
const EXTRA_DIGITS = 25;

/** The first `keep` of a string of decimal digits, rounded half to even (one digit longer on a carry out). */
function roundHalfEven(digits: string, keep: number): string {
  const kept = digits.slice(0, keep).split('').map(Number);
  const rest = digits.slice(keep);
  const halfway = rest[0] === '5' && /^0*$/.test(rest.slice(1));
  const up = rest[0] !== undefined && (rest[0] > '5' || (rest[0] === '5' && !halfway) || (halfway && (kept[kept.length - 1] ?? 0) % 2 === 1));
  if (!up) return kept.join('');
  let i = kept.length - 1;
  while (i >= 0 && kept[i] === 9) kept[i--] = 0;
  if (i < 0) kept.unshift(1);
  else kept[i]! += 1;
  return kept.join('');
}
