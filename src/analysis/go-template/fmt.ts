/**
 * Go's `fmt.Sprint`, `Sprintln` and `Sprintf` over template values, held to Go's output byte for
 * byte (a differential test runs Go itself): verbs, flags, width and precision, and Go's in-band
 * errors (`%!d(string=x)`, `%!s(MISSING)`, `%!(EXTRA int=1)`, `%!(NOVERB)`). Floats are formatted
 * from their exact decimal value with round-half-even, as Go's strconv does. Argument indexes
 * (`%[1]d`), `*` widths and the `#` flag on floats are outside the subset and refused.
 */
import { TemplateError } from './errors.js';
import { formatFloat, type FloatVerb } from './float.js';
import { mapKeys, typeName, type GoValue } from './values.js';

interface Spec {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  precision: number | undefined;
}

const PLAIN: Spec = {
  plus: false,
  minus: false,
  sharp: false,
  space: false,
  zero: false,
  width: undefined,
  precision: undefined,
};

const runeCount = (s: string): number => Array.from(s).length;

function padding(spec: Spec, length: number, zeroAllowed: boolean): string {
  const n = (spec.width ?? 0) - length;
  return n > 0 ? (zeroAllowed && spec.zero ? '0' : ' ').repeat(n) : '';
}

/** Go's `fmt.pad`: width in runes, left-aligned with `-`, zeros with `0` (which `-` turns off). */
function pad(spec: Spec, text: string, zeroAllowed = true): string {
  const fill = padding(spec, runeCount(text), zeroAllowed);
  return spec.minus ? text + fill.replaceAll('0', ' ') : fill + text;
}

function isPrint(rune: string): boolean {
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(rune);
}

const QUOTE_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
};

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0');
}

/** `strconv.Quote` (or `QuoteASCII`, or a rune's `QuoteRune`). */
function quote(text: string, mark: '"' | "'", ascii: boolean): string {
  let out = mark;
  for (const rune of Array.from(text)) {
    const code = rune.codePointAt(0) ?? 0;
    const escaped = QUOTE_ESCAPES[rune];
    if (rune === mark) out += `\\${mark}`;
    else if (escaped !== undefined) out += escaped;
    else if (isPrint(rune) && !(ascii && code >= 0x80)) out += rune;
    else if (code < 0x80) out += `\\x${hex(code, 2)}`;
    else if (code < 0x10000) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out + mark;
}

function canBackquote(text: string): boolean {
  return Array.from(text).every((r) => r !== '`' && r !== '\ufeff' && (r === '\t' || isPrint(r)));
}

function truncate(spec: Spec, text: string): string {
  return spec.precision === undefined ? text : Array.from(text).slice(0, spec.precision).join('');
}

function formatString(spec: Spec, text: string, verb: string): string | undefined {
  switch (verb) {
    case 'v':
    case 's':
      if (verb === 'v' && spec.sharp) return pad(spec, quote(text, '"', false));
      return pad(spec, truncate(spec, text));
    case 'q': {
      const cut = truncate(spec, text);
      if (spec.sharp && canBackquote(cut)) return pad(spec, `\`${cut}\``);
      return pad(spec, quote(cut, '"', spec.plus));
    }
    case 'x':
    case 'X':
      return pad(spec, hexBytes(spec, text, verb));
    default:
      return undefined;
  }
}

function hexBytes(spec: Spec, text: string, verb: string): string {
  let bytes = [...Buffer.from(text, 'utf8')];
  if (spec.precision !== undefined) bytes = bytes.slice(0, spec.precision);
  const prefix = spec.sharp ? (verb === 'x' ? '0x' : '0X') : '';
  const parts = bytes.map((b) => hex(b, 2));
  const joined = spec.space ? parts.map((p) => prefix + p).join(' ') : prefix + parts.join('');
  return verb === 'X' ? joined.toUpperCase() : joined;
}

const BASES: Record<string, number> = { d: 10, v: 10, b: 2, o: 8, O: 8, x: 16, X: 16 };

function integerPrefix(spec: Spec, verb: string, digits: string): string {
  if (verb === 'O') return '0o';
  if (!spec.sharp) return '';
  if (verb === 'b') return '0b';
  if (verb === 'o') return digits.startsWith('0') ? '' : '0';
  if (verb === 'x') return '0x';
  return verb === 'X' ? '0X' : '';
}

/** Digits to print at least: the precision, or the width when zero-padding (after the sign). */
function minimumDigits(spec: Spec, negative: boolean): number {
  if (spec.precision !== undefined) return spec.precision;
  if (spec.zero && spec.width !== undefined && !spec.minus) {
    return spec.width - (negative || spec.plus || spec.space ? 1 : 0);
  }
  return 0;
}

/** Go's `fmtInteger`: precision as minimum digits, zero padding after the sign, `#` prefixes. */
function formatInteger(spec: Spec, value: bigint, verb: string): string | undefined {
  if (verb === 'c') return pad(spec, String.fromCodePoint(validRune(value)));
  if (verb === 'q') return pad(spec, quote(String.fromCodePoint(validRune(value)), "'", spec.plus));
  if (verb === 'U') return formatUnicode(spec, value);
  const base = BASES[verb];
  if (base === undefined) return undefined;
  // Precision 0 and value 0 print nothing but the padding.
  if (spec.precision === 0 && value === 0n) return padding({ ...spec, zero: false }, 0, false);
  const negative = value < 0n;
  let digits = (negative ? -value : value).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  digits = digits.padStart(minimumDigits(spec, negative), '0');
  const sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return pad({ ...spec, zero: false }, sign + integerPrefix(spec, verb, digits) + digits);
}

function validRune(value: bigint): number {
  const code = Number(value);
  return value < 0n || value > 0x10ffffn || (code >= 0xd800 && code < 0xe000) ? 0xfffd : code;
}

function formatUnicode(spec: Spec, value: bigint): string {
  const digits = (value < 0n ? value + 2n ** 64n : value).toString(16).toUpperCase();
  let text = `U+${digits.padStart(Math.max(4, spec.precision ?? 0), '0')}`;
  const code = Number(value);
  if (spec.sharp && value >= 0n && value <= 0x10ffffn && isPrint(String.fromCodePoint(code))) {
    text += ` '${String.fromCodePoint(code)}'`;
  }
  return pad({ ...spec, zero: false }, text);
}

const FLOAT_VERBS = new Set(['v', 'g', 'G', 'e', 'E', 'f', 'F']);

/** The sign Go shows for a formatted float: `-`, `+` with the plus flag, a space with the space flag. */
function floatSign(spec: Spec, negative: boolean): string {
  if (negative) return '-';
  if (spec.plus) return '+';
  return spec.space ? ' ' : '';
}

/** Go's `fmtFloat`: the sign before zero padding, no zero padding for Inf and NaN. */
function formatFloatVerb(spec: Spec, value: number, verb: string): string | undefined {
  if (!FLOAT_VERBS.has(verb)) {
    if (['b', 'x', 'X'].includes(verb))
      throw new TemplateError(`unsupported printf verb %${verb} for float64`);
    return undefined;
  }
  if (spec.sharp) throw new TemplateError(`unsupported printf flag # with %${verb} for float64`);
  const precision = spec.precision ?? ('eEfF'.includes(verb) ? 6 : -1);
  const strconvVerb = verb === 'v' ? 'g' : verb === 'F' ? 'f' : verb;
  const formatted = formatFloat(value, strconvVerb as FloatVerb, precision);
  const negative = formatted.startsWith('-');
  const number = formatted.replace(/^[+-]/, '');
  const sign = floatSign(spec, negative);
  if (number === 'Inf' || number === 'NaN') {
    const shown = number === 'NaN' && !spec.space && !spec.plus ? number : (sign || '+') + number;
    return pad({ ...spec, zero: false }, shown);
  }
  const signed = sign + number;
  if (sign !== '' && spec.zero && !spec.minus && spec.width !== undefined && spec.width > signed.length) {
    return sign + '0'.repeat(spec.width - signed.length) + number;
  }
  return pad(spec, signed);
}

function formatBool(spec: Spec, value: boolean, verb: string): string | undefined {
  return verb === 't' || verb === 'v' ? pad(spec, String(value)) : undefined;
}

/** One value under one verb; undefined when the verb does not apply to the value's type. */
function formatOne(spec: Spec, arg: GoValue, verb: string): string | undefined {
  switch (arg.type) {
    case 'string':
      return formatString(spec, arg.value, verb);
    case 'int':
      return formatInteger(spec, arg.value, verb);
    case 'uint8':
      return formatInteger(spec, BigInt(arg.value), verb);
    case 'float64':
      return formatFloatVerb(spec, arg.value, verb);
    case 'bool':
      return formatBool(spec, arg.value, verb);
    case 'map':
      return formatMap(spec, arg.value, verb);
  }
}

function formatMap(spec: Spec, map: Readonly<Record<string, string>>, verb: string): string {
  if (spec.sharp && verb === 'v') throw new TemplateError('unsupported printf verb %#v for a map');
  const entries = mapKeys(map).map(
    (key) =>
      `${printValue(spec, { type: 'string', value: key }, verb)}:${printValue(spec, { type: 'string', value: map[key] ?? '' }, verb)}`,
  );
  return `map[${entries.join(' ')}]`;
}

/** `printArg`: the value, or Go's `%!verb(type=value)` when the verb does not fit its type. */
function printValue(spec: Spec, arg: GoValue, verb: string): string {
  if (verb === 'T') return pad(spec, truncate(spec, typeName(arg)));
  if (verb === 'p') return `%!p(${typeName(arg)}=${printValue(spec, arg, 'v')})`;
  const formatted = formatOne(spec, arg, verb);
  if (formatted !== undefined) return formatted;
  return `%!${verb}(${typeName(arg)}=${printValue(spec, arg, 'v')})`;
}

/** `fmt.Sprint`: a space between operands when neither is a string. */
export function sprint(args: readonly GoValue[]): string {
  let out = '';
  args.forEach((arg, i) => {
    const previous = args[i - 1];
    if (i > 0 && arg.type !== 'string' && previous?.type !== 'string') out += ' ';
    out += printValue(PLAIN, arg, 'v');
  });
  return out;
}

/** `fmt.Sprintln`: operands separated by spaces, then a newline. */
export function sprintln(args: readonly GoValue[]): string {
  return `${args.map((a) => printValue(PLAIN, a, 'v')).join(' ')}\n`;
}

/** Reads flags, width and precision after a `%`; returns the spec and the index of the verb. */
function readSpec(format: string, start: number): { spec: Spec; at: number } {
  const spec: Spec = { ...PLAIN };
  let i = start;
  for (; i < format.length; i++) {
    const c = format[i];
    if (c === '+') spec.plus = true;
    else if (c === '-') {
      spec.minus = true;
      spec.zero = false;
    } else if (c === '#') spec.sharp = true;
    else if (c === ' ') spec.space = true;
    else if (c === '0') spec.zero = !spec.minus;
    else break;
  }
  const number = (): number | undefined => {
    const digits = /^\d+/.exec(format.slice(i))?.[0];
    if (digits === undefined) return undefined;
    i += digits.length;
    return Number(digits);
  };
  if (format[i] === '[' || format[i] === '*') {
    throw new TemplateError(
      `unsupported printf construct "%${format.slice(start, i + 1)}": argument indexes and * widths`,
    );
  }
  spec.width = number();
  if (format[i] === '.') {
    i++;
    if (format[i] === '[' || format[i] === '*') {
      throw new TemplateError(
        `unsupported printf construct "%${format.slice(start, i + 1)}": argument indexes and * precisions`,
      );
    }
    spec.precision = number() ?? 0;
  }
  return { spec, at: i };
}

/** `fmt.Sprintf` with Go's verbs and its in-band errors. */
export function sprintf(format: string, args: readonly GoValue[]): string {
  let out = '';
  let next = 0;
  for (let i = 0; i < format.length;) {
    const percent = format.indexOf('%', i);
    if (percent === -1) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    const { spec, at } = readSpec(format, percent + 1);
    const verb = String.fromCodePoint(format.codePointAt(at) ?? 0);
    if (at >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    i = at + verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    const arg = args[next];
    if (arg === undefined) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    next++;
    out += printValue(spec, arg, verb);
  }
  if (next < args.length) {
    const extra = args.slice(next).map((a) => `${typeName(a)}=${printValue(PLAIN, a, 'v')}`);
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

/** How an action prints its value: `fmt.Fprint` of one operand. */
export function printAction(value: GoValue): string {
  return printValue(PLAIN, value, 'v');
}
