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
  const text = scaled.toFixed(2).replace(/\.00$/, '');
  return text === '0' || text === '-0' ? '0' : `${text}${unit}`;
}

/**
 * `value` as a share of `total`, 6 characters wide: `  100%`, `55.99%`, and two significant
 * digits below 1% (` 0.51%`, `0.046%`).
 */
export function percentage(value: number, total: number): string {
  const ratio = total === 0 ? 0 : Math.abs(value / total) * 100;
  if (ratio >= 99.95 && ratio <= 100.05) return '  100%';
  if (ratio >= 1) return `${ratio.toFixed(2).padStart(5)}%`;
  return `${significant(ratio, 2).padStart(5)}%`;
}

/**
 * `value` to `digits` significant digits, trailing zeros dropped, in exponent form when the
 * exponent is below -4 (`1e-05`): how Go's %g prints.
 */
export function significant(value: number, digits: number): string {
  if (value === 0) return '0';
  const [mantissa, exponentText] = value.toExponential(digits - 1).split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= digits) {
    const trimmed = mantissa!.includes('.') ? mantissa!.replace(/\.?0+$/, '') : mantissa!;
    const sign = exponent < 0 ? '-' : '+';
    return `${trimmed}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const fixed = value.toFixed(Math.max(0, digits - 1 - exponent));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}
