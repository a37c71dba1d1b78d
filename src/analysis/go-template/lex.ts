/**
 * The lexer of Go's `text/template`, for the part of the language Flagger's MetricTemplates use.
 * It follows Go's rules where they decide what a template means: `{{- ` and ` -}}` trim only with
 * whitespace beside the dash (`{{-3}}` is the number -3), comments sit right inside the
 * delimiters, operands must be separated by spaces, and a field chain (`variables.key`) binds
 * without one.
 */
import { TemplateError } from './errors.js';

export type TokenKind =
  | 'text'
  | 'left'
  | 'right'
  | 'space'
  | 'identifier'
  | 'keyword'
  | 'field'
  | 'dot'
  | 'variable'
  | 'string'
  | 'rawString'
  | 'char'
  | 'number'
  | 'bool'
  | 'nil'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'comment';

export interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based line and column of the token's first character. */
  line: number;
  column: number;
}

const SINGLE: Partial<Record<string, TokenKind>> = {
  '|': 'pipe',
  '(': 'leftParen',
  ')': 'rightParen',
  ',': 'comma',
  '=': 'assign',
};
const KEYWORDS = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);
const SPACE = /[ \t\r\n]/;
const ALNUM = /[\p{L}\p{Nd}_]/u;
const TRAILING_SPACE = /[ \t\r\n]+$/;
const LEADING_SPACE = /^[ \t\r\n]+/;

class Lexer {
  readonly tokens: Token[] = [];
  private pos = 0;

  constructor(private readonly input: string) {}

  private where(at: number): { line: number; column: number } {
    const before = this.input.slice(0, at);
    const line = before.split('\n').length;
    return { line, column: at - before.lastIndexOf('\n') };
  }

  fail(message: string, at = this.pos): never {
    const { line, column } = this.where(at);
    throw new TemplateError(`line ${String(line)}, column ${String(column)}: ${message}`);
  }

  private emit(kind: TokenKind, start: number, text = this.input.slice(start, this.pos)): void {
    this.tokens.push({ kind, text, ...this.where(start) });
  }

  run(): Token[] {
    while (this.pos < this.input.length) {
      const open = this.input.indexOf('{{', this.pos);
      const end = open === -1 ? this.input.length : open;
      let text = this.input.slice(this.pos, end);
      const trimLeft = open !== -1 && this.input[open + 2] === '-' && SPACE.test(this.input[open + 3] ?? '');
      if (trimLeft) text = text.replace(TRAILING_SPACE, '');
      if (text !== '') this.emit('text', this.pos, text);
      if (open === -1) break;
      this.pos = open + 2 + (trimLeft ? 2 : 0);
      this.emit('left', open, '{{');
      this.action();
    }
    return this.tokens;
  }

  private atRight(): { length: number; trim: boolean } | undefined {
    const rest = this.input.slice(this.pos);
    if (rest.startsWith('}}')) return { length: 2, trim: false };
    if (SPACE.test(rest[0] ?? '') && rest[1] === '-' && rest.startsWith('}}', 2))
      return { length: 4, trim: true };
    return undefined;
  }

  private closeAction(right: { length: number; trim: boolean }): void {
    const start = this.pos;
    this.pos += right.length;
    this.emit('right', start, '}}');
    if (right.trim) {
      const rest = this.input.slice(this.pos);
      this.pos += rest.length - rest.replace(LEADING_SPACE, '').length;
    }
  }

  private action(): void {
    if (this.input.startsWith('/*', this.pos)) {
      this.comment();
      return;
    }
    for (;;) {
      const right = this.atRight();
      if (right) {
        this.closeAction(right);
        return;
      }
      if (this.pos >= this.input.length) this.fail('unclosed action');
      this.token();
    }
  }

  private comment(): void {
    const start = this.pos;
    const close = this.input.indexOf('*/', this.pos + 2);
    if (close === -1) this.fail('unclosed comment');
    this.pos = close + 2;
    this.emit('comment', start);
    const right = this.atRight();
    if (!right) this.fail('comment ends before closing delimiter');
    this.closeAction(right);
  }

  private token(): void {
    const start = this.pos;
    const c = this.input[this.pos] ?? '';
    const single = SINGLE[c];
    if (single !== undefined) {
      this.pos++;
      this.emit(single, start);
      return;
    }
    this.readerFor(c)(start);
  }

  private readerFor(c: string): (start: number) => void {
    if (SPACE.test(c)) return this.space.bind(this);
    if (c === '"') return this.quoted.bind(this);
    if (c === '`') return this.raw.bind(this);
    if (c === "'") return this.char.bind(this);
    if (c === ':') return this.declare.bind(this);
    if (c === '$') return this.variable.bind(this);
    if (c === '.' && !/[0-9]/.test(this.input[this.pos + 1] ?? '')) return this.dotOrField.bind(this);
    if (/[0-9+.-]/.test(c)) return this.number.bind(this);
    if (ALNUM.test(c)) return this.identifier.bind(this);
    return () => {
      this.fail(`unrecognized character in action: ${JSON.stringify(c)}`);
    };
  }

  private space(start: number): void {
    while (SPACE.test(this.input[this.pos] ?? '') && !this.atRight()) this.pos++;
    if (this.pos === start) this.pos++;
    this.emit('space', start);
  }

  private declare(start: number): void {
    if (this.input[this.pos + 1] !== '=') this.fail('expected :=');
    this.pos += 2;
    this.emit('declare', start);
  }

  private word(): void {
    while (ALNUM.test(this.input[this.pos] ?? '')) this.pos++;
  }

  /** Go requires a word to end at a terminator: space, `.`, `,`, `|`, `:`, `(`, `)` or `}`. */
  private checkTerminator(): void {
    const c = this.input[this.pos] ?? '';
    if (c === '' || SPACE.test(c) || '.,|:()}'.includes(c)) return;
    this.fail(`bad character ${JSON.stringify(c)}`);
  }

  private identifier(start: number): void {
    this.word();
    this.checkTerminator();
    const text = this.input.slice(start, this.pos);
    if (KEYWORDS.has(text)) this.emit('keyword', start);
    else if (text === 'true' || text === 'false') this.emit('bool', start);
    else if (text === 'nil') this.emit('nil', start);
    else this.emit('identifier', start);
  }

  private variable(start: number): void {
    this.pos++;
    this.word();
    this.checkTerminator();
    this.emit('variable', start);
  }

  private dotOrField(start: number): void {
    this.pos++;
    if (!ALNUM.test(this.input[this.pos] ?? '')) {
      this.emit('dot', start);
      return;
    }
    this.word();
    this.checkTerminator();
    this.emit('field', start);
  }

  private number(start: number): void {
    if ('+-'.includes(this.input[this.pos] ?? '')) this.pos++;
    while (/[\p{L}\p{Nd}_.]/u.test(this.input[this.pos] ?? '')) {
      const c = this.input[this.pos] ?? '';
      this.pos++;
      const exponent = /[eEpP]/.test(c) && !/^[+-]?0[xX]/.test(this.input.slice(start, this.pos - 1));
      if ((exponent || /[pP]/.test(c)) && '+-'.includes(this.input[this.pos] ?? '')) this.pos++;
    }
    this.checkTerminator();
    this.emit('number', start);
  }

  private quoted(start: number): void {
    this.pos++;
    for (;;) {
      const c = this.input[this.pos];
      if (c === undefined || c === '\n') this.fail('unterminated quoted string', start);
      this.pos++;
      if (c === '\\') {
        if (this.input[this.pos] === undefined || this.input[this.pos] === '\n') {
          this.fail('unterminated quoted string', start);
        }
        this.pos++;
      } else if (c === '"') break;
    }
    this.emit('string', start);
  }

  private raw(start: number): void {
    const close = this.input.indexOf('`', this.pos + 1);
    if (close === -1) this.fail('unterminated raw quoted string', start);
    this.pos = close + 1;
    this.emit('rawString', start);
  }

  private char(start: number): void {
    this.pos++;
    for (;;) {
      const c = this.input[this.pos];
      if (c === undefined || c === '\n') this.fail('unterminated character constant', start);
      this.pos++;
      if (c === '\\') this.pos++;
      else if (c === "'") break;
    }
    this.emit('char', start);
  }
}

/** The tokens of `input`, or a TemplateError naming the line and column of the first lexical error. */
export function lex(input: string): Token[] {
  return new Lexer(input).run();
}
