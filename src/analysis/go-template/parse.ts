/**
 * The parser of Go's `text/template` for the subset Serin executes: text, actions, pipelines,
 * function calls (Flagger's template functions and Go's builtins), field chains on a function's
 * result (`variables.key`), parenthesised pipelines, literals and `if`/`else if`/`else`. Every other
 * construct Go accepts (`range`, `with`, `define`, `$variables`, `.` data, `nil`, ...) is refused
 * with an error naming it. Errors Go reports at parse time (an undefined function, an empty
 * command, a literal in a later pipeline stage) are reported here too.
 */
import { TemplateError } from './errors.js';
import { lex, type Token, type TokenKind } from './lex.js';

export interface Position {
  line: number;
  column: number;
}

export type NumberType = 'int' | 'float';

export type Operand =
  | { type: 'identifier'; name: string; at: Position }
  | { type: 'string'; value: string; at: Position }
  | { type: 'number'; numberType: NumberType; value: number | bigint; text: string; at: Position }
  | { type: 'bool'; value: boolean; at: Position }
  | { type: 'pipe'; pipe: Pipeline; at: Position }
  | { type: 'chain'; node: Operand; fields: string[]; at: Position };

export interface Command {
  args: Operand[];
  at: Position;
}

export interface Pipeline {
  commands: Command[];
  at: Position;
}

export type TemplateNode =
  | { type: 'text'; text: string }
  | { type: 'action'; pipe: Pipeline; at: Position }
  | { type: 'if'; pipe: Pipeline; list: TemplateNode[]; elseList: TemplateNode[] | undefined; at: Position };

/** Go's builtin functions; the ones Serin does not implement are refused by name. */
export const GO_BUILTINS = new Set([
  'and',
  'call',
  'html',
  'index',
  'slice',
  'js',
  'len',
  'not',
  'or',
  'print',
  'printf',
  'println',
  'urlquery',
  'eq',
  'ge',
  'gt',
  'le',
  'lt',
  'ne',
]);
const UNSUPPORTED_BUILTINS = new Set(['call', 'html', 'js', 'slice', 'urlquery']);

const INT =
  /^[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$/;
const DIGITS = String.raw`[0-9](?:_?[0-9])*`;
const FLOAT = new RegExp(
  String.raw`^[+-]?(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?$`,
);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

function goInt(text: string): bigint | undefined {
  const negative = text.startsWith('-');
  const body = text.replace(/^[+-]/, '').replaceAll('_', '');
  const prefixed = /^0[0-7]/.test(body)
    ? `0o${body.slice(1)}`
    : body.replace(/^0([XBO])/, (_, p: string) => `0${p.toLowerCase()}`);
  const magnitude = BigInt(prefixed);
  const value = negative ? -magnitude : magnitude;
  return value >= INT64_MIN && value <= INT64_MAX ? value : undefined;
}

/**
 * A number literal as Go's parser reads it and `idealConstant` types it: an integer literal is an
 * int unless it is written with a point or an exponent (then float64, even when integral, as `3.0`
 * or `1e3` are); a hexadecimal integer stays an int although its digits may include `e`.
 */
function numberOperand(text: string, at: Position, fail: (m: string) => never): Operand {
  if (/^[+-]?0[xX].*[pP]/.test(text) || text.endsWith('i')) {
    fail(
      `unsupported template construct: number ${text} (hexadecimal floating-point and imaginary constants)`,
    );
  }
  if (INT.test(text)) {
    const integer = goInt(text);
    if (integer === undefined) fail(`${text} overflows int`);
    const hexInt = /^0[xX]/.test(text);
    if (!hexInt && /[.eEpP]/.test(text))
      return { type: 'number', numberType: 'float', value: Number(integer), text, at };
    return { type: 'number', numberType: 'int', value: integer, text, at };
  }
  if (!FLOAT.test(text)) fail(`illegal number syntax: ${JSON.stringify(text)}`);
  if (!/[.eE]/.test(text)) fail(`integer overflow: ${JSON.stringify(text)}`);
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isFinite(value)) fail(`number out of range: ${JSON.stringify(text)}`);
  return { type: 'number', numberType: 'float', value, text, at };
}

/** A numeric escape (`\x41`, `\101`, `\u00e9`, `\U0001F642`) at `body[i]`: its text and length. */
function numericEscape(body: string, i: number, text: string, fail: (m: string) => never): [string, number] {
  const e = body[i] ?? '';
  const octal = /[0-7]/.test(e);
  const width = octal ? 3 : e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
  if (width === 0) fail(`invalid syntax in ${text}: unknown escape \\${e}`);
  const digits = octal ? body.slice(i, i + 3) : body.slice(i + 1, i + 1 + width);
  const valid = octal
    ? /^[0-7]{3}$/.test(digits)
    : new RegExp(`^[0-9a-fA-F]{${String(width)}}$`).test(digits);
  if (!valid) fail(`invalid syntax in ${text}`);
  const code = Number.parseInt(digits, octal ? 8 : 16);
  const length = octal ? 3 : width + 1;
  if (e === 'x' || octal) {
    if (code > 255) fail(`invalid syntax in ${text}`);
    if (code > 127) fail(`unsupported template construct: byte escape ${text} (non-UTF-8 bytes)`);
    return [String.fromCharCode(code), length];
  }
  if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) fail(`invalid syntax in ${text}`);
  return [String.fromCodePoint(code), length];
}

/** Go's `strconv.Unquote` for a double-quoted string or a character constant. */
function unquote(text: string, quote: '"' | "'", fail: (m: string) => never): string {
  const body = text.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length;) {
    const c = body[i] ?? '';
    if (c !== '\\') {
      if (c === quote) fail(`invalid syntax in ${text}`);
      out += c;
      i++;
      continue;
    }
    const e = body[i + 1] ?? '';
    const simple = e === quote ? e : ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    const [escaped, length] = numericEscape(body, i + 1, text, fail);
    out += escaped;
    i += 1 + length;
  }
  return out;
}

class Parser {
  private pos = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly functions: ReadonlySet<string>,
  ) {}

  private fail(message: string, token: Token | undefined = this.tokens[this.pos]): never {
    const where = token
      ? `line ${String(token.line)}, column ${String(token.column)}: `
      : 'at end of template: ';
    throw new TemplateError(`${where}${message}`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(): Token | undefined {
    return this.tokens[this.pos++];
  }

  private peekNonSpace(): Token | undefined {
    while (this.peek()?.kind === 'space') this.pos++;
    return this.peek();
  }

  private nextNonSpace(): Token | undefined {
    this.peekNonSpace();
    return this.next();
  }

  private expect(kind: TokenKind, context: string): Token {
    const token = this.nextNonSpace();
    if (token?.kind !== kind) this.fail(`unexpected ${describe(token)} in ${context}`, token);
    return token;
  }

  parse(): TemplateNode[] {
    const { list, stop } = this.list();
    if (stop) this.fail(`unexpected {{${stop.text}}}`, stop);
    return list;
  }

  /** Nodes up to `{{else}}`, `{{end}}` (returned as the stop keyword) or the end of input. */
  private list(): { list: TemplateNode[]; stop: Token | undefined } {
    const list: TemplateNode[] = [];
    for (;;) {
      const token = this.next();
      if (token === undefined) return { list, stop: undefined };
      if (token.kind === 'text') {
        list.push({ type: 'text', text: token.text });
        continue;
      }
      if (this.peek()?.kind === 'comment') {
        this.pos++;
        this.expect('right', 'comment');
        continue;
      }
      const keyword = this.peekNonSpace();
      if (keyword?.kind === 'keyword') {
        this.pos++;
        if (keyword.text === 'else' || keyword.text === 'end') return { list, stop: keyword };
        if (keyword.text !== 'if') this.fail(`unsupported template construct {{${keyword.text}}}`, keyword);
        list.push(this.ifControl(keyword));
        continue;
      }
      list.push({ type: 'action', pipe: this.pipeline('command', 'right'), at: position(token) });
    }
  }

  private ifControl(at: Token): TemplateNode {
    const pipe = this.pipeline('if', 'right');
    const { list, stop } = this.list();
    if (!stop) this.fail('unexpected EOF');
    if (stop.text === 'end') {
      this.expect('right', 'end');
      return { type: 'if', pipe, list, elseList: undefined, at: position(at) };
    }
    const elseIf = this.peekNonSpace();
    if (elseIf?.kind === 'keyword' && elseIf.text === 'if') {
      this.pos++;
      return { type: 'if', pipe, list, elseList: [this.ifControl(elseIf)], at: position(at) };
    }
    this.expect('right', 'else');
    const rest = this.list();
    if (rest.stop?.text !== 'end')
      this.fail(`expected end; found ${rest.stop ? `{{${rest.stop.text}}}` : 'EOF'}`, rest.stop);
    this.expect('right', 'end');
    return { type: 'if', pipe, list, elseList: rest.list, at: position(at) };
  }

  private pipeline(context: string, end: 'right' | 'rightParen'): Pipeline {
    const first = this.peekNonSpace();
    if (first?.kind === 'variable')
      this.fail(`unsupported template construct: variable ${first.text}`, first);
    const pipe: Pipeline = { commands: [], at: first ? position(first) : { line: 0, column: 0 } };
    for (;;) {
      const token = this.nextNonSpace();
      if (token?.kind === end) {
        this.checkPipeline(pipe, context, token);
        return pipe;
      }
      if (token !== undefined && STARTS_OPERAND.has(token.kind)) {
        this.pos--;
        pipe.commands.push(this.command());
        continue;
      }
      this.fail(`unexpected ${describe(token)} in ${context}`, token);
    }
  }

  private checkPipeline(pipe: Pipeline, context: string, at: Token): void {
    if (pipe.commands.length === 0) this.fail(`missing value for ${context}`, at);
    pipe.commands.slice(1).forEach((command, i) => {
      const head = command.args[0];
      if (head && (head.type === 'bool' || head.type === 'number' || head.type === 'string')) {
        this.fail(`non executable command in pipeline stage ${String(i + 2)}`, at);
      }
    });
  }

  private command(): Command {
    const start = this.peekNonSpace();
    const command: Command = { args: [], at: start ? position(start) : { line: 0, column: 0 } };
    for (;;) {
      const operand = this.operand();
      if (operand) command.args.push(operand);
      const token = this.next();
      if (token?.kind === 'space') continue;
      if (token?.kind === 'right' || token?.kind === 'rightParen') this.pos--;
      else if (token?.kind !== 'pipe') this.fail(`unexpected ${describe(token)} in operand`, token);
      break;
    }
    if (command.args.length === 0) this.fail('empty command', start);
    return command;
  }

  private operand(): Operand | undefined {
    const node = this.term();
    if (!node || this.peek()?.kind !== 'field') return node;
    const fields: string[] = [];
    while (this.peek()?.kind === 'field') fields.push((this.next()?.text ?? '').slice(1));
    if (node.type === 'bool' || node.type === 'string' || node.type === 'number') {
      this.fail(
        `unexpected . after term ${JSON.stringify(node.type === 'number' ? node.text : String(node.value))}`,
      );
    }
    return { type: 'chain', node, fields, at: node.at };
  }

  private term(): Operand | undefined {
    const token = this.nextNonSpace();
    if (token === undefined) return undefined;
    const at = position(token);
    const fail = (message: string): never => this.fail(message, token);
    switch (token.kind) {
      case 'identifier':
        if (UNSUPPORTED_BUILTINS.has(token.text))
          fail(`unsupported template construct: function "${token.text}"`);
        if (!this.functions.has(token.text) && !GO_BUILTINS.has(token.text)) {
          fail(
            `function "${token.text}" not defined (Flagger's templates offer ${[...this.functions].join(', ')} and Go's builtins)`,
          );
        }
        return { type: 'identifier', name: token.text, at };
      case 'string':
        return { type: 'string', value: unquote(token.text, '"', fail), at };
      case 'rawString':
        return { type: 'string', value: token.text.slice(1, -1).replaceAll('\r', ''), at };
      case 'char': {
        const value = unquote(token.text, "'", fail);
        const code = value.codePointAt(0);
        if (code === undefined || Array.from(value).length !== 1)
          fail(`malformed character constant: ${token.text}`);
        return { type: 'number', numberType: 'int', value: BigInt(code ?? 0), text: token.text, at };
      }
      case 'number':
        return numberOperand(token.text, at, fail);
      case 'bool':
        return { type: 'bool', value: token.text === 'true', at };
      case 'leftParen':
        return { type: 'pipe', pipe: this.pipeline('parenthesized pipeline', 'rightParen'), at };
      case 'dot':
      case 'field':
        return fail(
          `unsupported template construct "${token.text}": Flagger's templates have no data; use functions such as {{ namespace }} or {{ variables.key }}`,
        );
      case 'variable':
        return fail(`unsupported template construct: variable ${token.text}`);
      case 'nil':
        return fail('unsupported template construct: nil');
      default:
        this.pos--;
        return undefined;
    }
  }
}

const STARTS_OPERAND = new Set<TokenKind>([
  'bool',
  'char',
  'dot',
  'field',
  'identifier',
  'number',
  'nil',
  'rawString',
  'string',
  'variable',
  'leftParen',
]);

function position(token: Token): Position {
  return { line: token.line, column: token.column };
}

function describe(token: Token | undefined): string {
  if (token === undefined) return 'EOF';
  if (token.kind === 'right') return '"}}"';
  return `<${token.text}>`;
}

/** Parses `input`; `functions` are the names the template may call besides Go's builtins. */
export function parseTemplate(input: string, functions: ReadonlySet<string>): TemplateNode[] {
  return new Parser(lex(input), functions).parse();
}
