/**
 * RE2 → JavaScript regular expressions.
 *
 * Istio validates regexes with Go's `regexp` (RE2 syntax) and Envoy runs them with RE2, always
 * against the whole value. JavaScript's engine accepts things RE2 rejects (lookaround,
 * backreferences, possessive-looking quantifiers) and rejects things RE2 accepts (`(?P<name>…)`,
 * `\A`, `\z`, `[[:alpha:]]`, `\Q…\E`, escaped punctuation in unicode mode). This module checks the
 * pattern against RE2's grammar and translates it, so the local router and `serin route explain`
 * accept and reject exactly the regexes a real mesh would.
 */

export class Re2SyntaxError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(`invalid RE2 regex ${JSON.stringify(pattern)}: ${reason}`);
  }
}

/** Istio rejects longer regexes. */
export const MAX_REGEX_LENGTH = 1024;
const MAX_REPEAT = 1000;

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const CLASS_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W']);
const CONTROL_ESCAPES: Record<string, string> = {
  a: '\\x07',
  f: '\\f',
  t: '\\t',
  n: '\\n',
  r: '\\r',
  v: '\\v',
};

function hex(code: number): string {
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** A literal character, escaped so that it stays literal in a unicode-mode JS regex. */
function literal(ch: string): string {
  return /[A-Za-z0-9_ ]/.test(ch) ? ch : hex(ch.codePointAt(0) ?? 0);
}

interface Translation {
  source: string;
  flags: Set<string>;
}

class Translator {
  private i = 0;
  private out = '';
  private readonly flags = new Set<string>(['u']);
  /** Whether the previous token can take a quantifier, and whether it already is one. */
  private last: 'none' | 'atom' | 'quantifier' = 'none';
  private depth = 0;

  constructor(private readonly p: string) {}

  fail(reason: string): never {
    throw new Re2SyntaxError(this.p, reason);
  }

  run(): Translation {
    if (this.p.length > MAX_REGEX_LENGTH) this.fail(`longer than ${MAX_REGEX_LENGTH} characters`);
    while (this.i < this.p.length) this.token();
    if (this.depth > 0) this.fail('missing closing )');
    return { source: this.out, flags: this.flags };
  }

  private emit(s: string, kind: 'none' | 'atom' | 'quantifier'): void {
    this.out += s;
    this.last = kind;
  }

  private token(): void {
    const ch = this.p[this.i] ?? '';
    switch (ch) {
      case '\\':
        this.escape();
        return;
      case '[':
        this.charClass();
        return;
      case '(':
        this.group();
        return;
      case ')':
        if (this.depth === 0) this.fail('unexpected )');
        this.depth--;
        this.i++;
        this.emit(')', 'atom');
        return;
      case '*':
      case '+':
      case '?':
        this.quantifier(ch, 1);
        return;
      case '{':
        this.brace();
        return;
      case '|':
        this.i++;
        this.emit('|', 'none');
        return;
      case '^':
      case '$':
      case '.':
        this.i++;
        this.emit(ch, ch === '.' ? 'atom' : 'none');
        return;
      default: {
        const cp = this.p.codePointAt(this.i) ?? 0;
        const s = String.fromCodePoint(cp);
        this.i += s.length;
        this.emit(literal(s), 'atom');
      }
    }
  }

  private quantifier(text: string, length: number): void {
    if (this.last === 'none') this.fail(`missing argument to repetition operator ${text}`);
    if (this.last === 'quantifier') this.fail(`invalid nested repetition operator ${text}`);
    this.i += length;
    let q = text;
    if (this.p[this.i] === '?') {
      q += '?';
      this.i++;
    }
    this.emit(q, 'quantifier');
  }

  private brace(): void {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.p.slice(this.i));
    if (!m) {
      // RE2 reads a `{` that does not start a valid repetition as a literal.
      this.i++;
      this.emit('\\{', 'atom');
      return;
    }
    const min = Number(m[1]);
    const max = m[3] === undefined || m[3] === '' ? min : Number(m[3]);
    if (min > MAX_REPEAT || max > MAX_REPEAT) this.fail(`repeat count above ${MAX_REPEAT} in ${m[0]}`);
    if (m[3] !== undefined && m[3] !== '' && max < min) this.fail(`invalid repeat count ${m[0]}`);
    this.quantifier(m[0], m[0].length);
  }

  private group(): void {
    const rest = this.p.slice(this.i);
    this.depth++;
    if (!rest.startsWith('(?')) {
      this.i++;
      this.emit('(', 'none');
      return;
    }
    if (/^\(\?(=|!|<=|<!)/.test(rest)) this.fail('lookahead and lookbehind are not supported by RE2');
    if (rest.startsWith('(?>')) this.fail('atomic groups are not supported by RE2');
    const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
    if (named) {
      this.i += named[0].length;
      this.emit(`(?<${named[1] ?? ''}>`, 'none');
      return;
    }
    const flags = /^\(\?([imsU-]*)(:|\))/.exec(rest);
    if (!flags || flags[1] === '' || flags[1]?.endsWith('-'))
      this.fail(`invalid or unsupported group ${rest.slice(0, 4)}`);
    this.applyFlags(flags[1] ?? '');
    this.i += flags[0].length;
    if (flags[2] === ')') {
      this.depth--;
      this.last = 'none';
      return;
    }
    this.emit('(?:', 'none');
  }

  /**
   * JavaScript (Node 20) has no inline flags, so a flag turned on anywhere applies to the whole
   * pattern. Patterns that turn a flag on only for a part behave slightly differently (documented).
   */
  private applyFlags(spec: string): void {
    const [on = ''] = spec.split('-');
    for (const f of on) {
      if (f === 'U') this.fail('the ungreedy flag (?U) is not supported by Serin');
      this.flags.add(f);
    }
  }

  private escape(): void {
    const next = this.p[this.i + 1];
    if (next === undefined) this.fail('trailing backslash');
    this.i += 2;
    const [text, kind] = this.escapeToken(next);
    if (text !== '') this.emit(text, kind);
  }

  private escapeToken(next: string): [string, 'none' | 'atom'] {
    if (CLASS_ESCAPES.has(next)) return [`\\${next}`, 'atom'];
    if (next === 'b' || next === 'B') return [`\\${next}`, 'none'];
    if (next === 'A') return ['(?<![\\s\\S])', 'none'];
    if (next === 'z') return ['(?![\\s\\S])', 'none'];
    if (next === 'C') return ['[\\s\\S]', 'atom'];
    if (next === 'Q') return [this.quoted(), 'atom'];
    const simple = this.simpleEscape(next);
    if (simple !== undefined) return [simple, 'atom'];
    if (next === 'p' || next === 'P') return [this.unicodeClass(next), 'atom'];
    this.fail(`invalid escape sequence \\${next}`);
  }

  /** Escapes that denote one character (valid inside and outside classes), or undefined. */
  private simpleEscape(next: string): string | undefined {
    if (CONTROL_ESCAPES[next] !== undefined) return CONTROL_ESCAPES[next];
    if (next === 'x') return this.hexEscape();
    if (/[0-7]/.test(next)) return this.octal(next);
    if (/[8-9]/.test(next)) this.fail(`backreferences are not supported by RE2 (\\${next})`);
    if (/[!-/:-@[-`{-~]/.test(next)) return literal(next);
    return undefined;
  }

  private octal(first: string): string {
    const m = /^[0-7]{0,2}/.exec(this.p.slice(this.i))?.[0] ?? '';
    if (first !== '0' && m === '') this.fail(`backreferences are not supported by RE2 (\\${first})`);
    this.i += m.length;
    return hex(parseInt(first + m, 8));
  }

  private hexEscape(): string {
    const rest = this.p.slice(this.i);
    const m = /^\{([0-9A-Fa-f]{1,6})\}/.exec(rest) ?? /^([0-9A-Fa-f]{2})/.exec(rest);
    if (!m) this.fail('invalid \\x escape');
    const code = parseInt(m[1] ?? '0', 16);
    if (code > 0x10ffff) this.fail('invalid \\x escape: code point out of range');
    this.i += m[0].length;
    return hex(code);
  }

  private unicodeClass(letter: string): string {
    const rest = this.p.slice(this.i);
    const m = /^\{\^?([A-Za-z_]+)\}/.exec(rest) ?? /^([A-Za-z])/.exec(rest);
    if (!m) this.fail(`invalid \\${letter} escape`);
    this.i += m[0].length;
    const negated = m[0].startsWith('{^');
    const name = m[1] ?? '';
    const upper = (letter === 'P') !== negated;
    if (name === 'Any') return upper ? '[^\\s\\S]' : '[\\s\\S]';
    const property = /^[A-Z][a-z]?$/.test(name) ? name : `Script=${name}`;
    try {
      new RegExp(`\\p{${property}}`, 'u');
    } catch {
      this.fail(`unknown unicode class ${name}`);
    }
    return `\\${upper ? 'P' : 'p'}{${property}}`;
  }

  private quoted(): string {
    const end = this.p.indexOf('\\E', this.i);
    const text = end < 0 ? this.p.slice(this.i) : this.p.slice(this.i, end);
    this.i = end < 0 ? this.p.length : end + 2;
    return Array.from(text, literal).join('');
  }

  private charClass(): void {
    this.i++;
    let body = '';
    if (this.p[this.i] === '^') {
      body += '^';
      this.i++;
    }
    let first = true;
    for (;;) {
      const ch = this.p[this.i];
      if (ch === undefined) this.fail('missing closing ]');
      if (ch === ']' && !first) break;
      first = false;
      body += this.classItem(ch);
    }
    this.i++;
    this.emit(`[${body}]`, 'atom');
  }

  private classItem(ch: string): string {
    const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.p.slice(this.i));
    if (posix) {
      const set = POSIX_CLASSES[posix[2] ?? ''];
      if (set === undefined) this.fail(`invalid character class range ${posix[0]}`);
      if (posix[1] === '^')
        this.fail(`negated POSIX class ${posix[0]} inside brackets is not supported by Serin`);
      this.i += posix[0].length;
      return set;
    }
    if (ch === '\\') {
      const next = this.p[this.i + 1];
      if (next === undefined) this.fail('trailing backslash');
      this.i += 2;
      if (CLASS_ESCAPES.has(next)) return `\\${next}`;
      if (next === 'p' || next === 'P') return this.unicodeClass(next);
      const simple = this.simpleEscape(next);
      if (simple === undefined) this.fail(`invalid escape sequence \\${next}`);
      return simple;
    }
    if (ch === '-') {
      this.i++;
      return '-';
    }
    const cp = this.p.codePointAt(this.i) ?? 0;
    const s = String.fromCodePoint(cp);
    this.i += s.length;
    return literal(s);
  }
}

/**
 * Compiles an RE2 pattern into a JavaScript RegExp that matches the WHOLE input, as Istio does.
 * Throws {@link Re2SyntaxError} with the reason when RE2 would reject the pattern.
 */
export function compileRe2FullMatch(pattern: string): RegExp {
  const { source, flags } = new Translator(pattern).run();
  try {
    return new RegExp(`^(?:${source})$`, [...flags].sort().join(''));
  } catch (error) {
    throw new Re2SyntaxError(pattern, error instanceof Error ? error.message : String(error));
  }
}

/** Why RE2 (as Istio validates it) rejects a pattern, or undefined when it is valid. */
export function re2Error(pattern: string): string | undefined {
  try {
    compileRe2FullMatch(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Re2SyntaxError ? error.reason : String(error);
  }
}

export function isValidRe2(pattern: string): boolean {
  return re2Error(pattern) === undefined;
}
