/**
 * Go's `strconv.FormatFloat(v, verb, precision, 64)` for the verbs `e`, `E`, `f` and `g`/`G`.
 * JavaScript's `toFixed`/`toPrecision` round a tie away from zero and switch to exponents at other
 * thresholds, so digits come from the double's exact decimal expansion, rounded half to even as
 * Go rounds; the shortest form (precision -1) uses JavaScript's shortest round-trip digits, which
 * are the same digits Go's shortest formatting chooses.
 */

/** Significant digits without trailing zeros, and the decimal point's position: 0.d1d2… × 10^point. */
interface Decimal {
  digits: string;
  point: number;
}

function trimZeros(d: Decimal): Decimal {
  const digits = d.digits.replace(/0+$/, '');
  return digits === '' ? { digits: '', point: 0 } : { digits, point: d.point };
}

/** The exact decimal value of a finite, non-negative double. */
function exact(value: number): Decimal {
  if (value === 0) return { digits: '', point: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  if (exponent >= 0) {
    const digits = (mantissa << BigInt(exponent)).toString();
    return trimZeros({ digits, point: digits.length });
  }
  // mantissa / 2^k = mantissa * 5^k / 10^k
  const k = -exponent;
  const digits = (mantissa * 5n ** BigInt(k)).toString();
  return trimZeros({ digits, point: digits.length - k });
}

/** Rounds to `count` significant digits, half to even (Go's `decimal.Round`). */
function roundTo(d: Decimal, count: number): Decimal {
  if (count < 0 || d.digits.length <= count) return count < 0 ? { digits: '', point: 0 } : d;
  const kept = d.digits.slice(0, count);
  const rest = d.digits.slice(count);
  const half = rest[0] === '5' && /^50*$/.test(rest);
  const up =
    rest[0] !== undefined && (rest[0] > '5' || (rest[0] === '5' && !half) || (half && /[13579]$/.test(kept)));
  if (!up) return trimZeros({ digits: kept, point: d.point });
  if (kept === '') return { digits: '1', point: d.point + 1 };
  const bumped = (BigInt(kept) + 1n).toString();
  if (bumped.length > kept.length) return trimZeros({ digits: bumped, point: d.point + 1 });
  return trimZeros({ digits: bumped.padStart(kept.length, '0'), point: d.point });
}

function shortest(value: number): Decimal {
  if (value === 0) return { digits: '', point: 0 };
  const [mantissa = '', exp = '0'] = value.toExponential().split('e');
  return trimZeros({ digits: mantissa.replace('.', ''), point: Number(exp) + 1 });
}

function digitAt(d: Decimal, i: number): string {
  return d.digits[i] ?? '0';
}

function formatE(d: Decimal, precision: number, e: 'e' | 'E'): string {
  let out = d.digits === '' ? '0' : digitAt(d, 0);
  if (precision > 0) {
    out += '.';
    for (let i = 1; i <= precision; i++) out += digitAt(d, i);
  }
  const exponent = d.digits === '' ? 0 : d.point - 1;
  const magnitude = String(Math.abs(exponent)).padStart(2, '0');
  return `${out}${e}${exponent < 0 ? '-' : '+'}${magnitude}`;
}

function formatF(d: Decimal, precision: number): string {
  let out = '';
  if (d.point > 0) for (let i = 0; i < d.point; i++) out += digitAt(d, i);
  else out = '0';
  if (precision > 0) {
    out += '.';
    for (let i = 0; i < precision; i++) out += digitAt(d, d.point + i);
  }
  return out;
}

export type FloatVerb = 'e' | 'E' | 'f' | 'g' | 'G';

/** The digits to print and the precision that goes with them (`strconv`'s `digs` and `prec`). */
function digitsFor(magnitude: number, verb: FloatVerb, precision: number): { d: Decimal; p: number } {
  if (precision < 0) {
    const d = shortest(magnitude);
    if (verb === 'e' || verb === 'E') return { d, p: Math.max(d.digits.length - 1, 0) };
    if (verb === 'f') return { d, p: Math.max(d.digits.length - d.point, 0) };
    return { d, p: d.digits.length };
  }
  const full = exact(magnitude);
  if (verb === 'e' || verb === 'E') return { d: roundTo(full, precision + 1), p: precision };
  if (verb === 'f') return { d: roundTo(full, full.point + precision), p: precision };
  const p = precision === 0 ? 1 : precision;
  return { d: roundTo(full, p), p };
}

/** `%g`: `%e` when the exponent is below -4 or at least the precision (6 for the shortest form). */
function formatG(d: Decimal, p: number, shortestForm: boolean, e: 'e' | 'E'): string {
  let eprec = p;
  if (eprec > d.digits.length && d.digits.length >= d.point) eprec = d.digits.length;
  if (shortestForm) eprec = 6;
  const exponent = d.point - 1;
  if (exponent < -4 || exponent >= eprec) return formatE(d, Math.min(p, d.digits.length) - 1, e);
  const digitsF = p > d.point ? d.digits.length : p;
  return formatF(d, Math.max(digitsF - d.point, 0));
}

/** `strconv.FormatFloat(value, verb, precision, 64)`; precision -1 is the shortest form. */
export function formatFloat(value: number, verb: FloatVerb, precision: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  const { d, p } = digitsFor(Math.abs(value), verb, precision);
  if (verb === 'e' || verb === 'E') return sign + formatE(d, p, verb);
  if (verb === 'f') return sign + formatF(d, p);
  return sign + formatG(d, p, precision < 0, verb === 'g' ? 'e' : 'E');
}
