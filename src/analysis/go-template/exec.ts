/**
 * Executes a parsed template as Go's `text/template` does with Flagger's options: no data, the
 * template's functions return strings (or `variables`, a `map[string]string`), and
 * `missingkey=error`. Go's builtins keep Go's rules: argument counts, short-circuit `and`/`or`,
 * type-strict comparisons, `index` giving the zero value for a missing key.
 */
import { TemplateError } from './errors.js';
import { printAction, sprint, sprintf, sprintln } from './fmt.js';
import type { Command, Operand, Pipeline, Position, TemplateNode } from './parse.js';
import { compareBytes, goBool, goInt, goString, truth, typeName, type GoValue } from './values.js';

export interface TemplateFunctions {
  /** Functions of no arguments returning a string: name, namespace, target, ... */
  values: Readonly<Record<string, string>>;
  /** What `variables` returns; absent when the template offers no `variables`. */
  variables: Readonly<Record<string, string>> | undefined;
}

class Failure extends TemplateError {}

function fail(at: Position, message: string): never {
  throw new Failure(`line ${String(at.line)}, column ${String(at.column)}: ${message}`);
}

type Kind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid';

function basicKind(v: GoValue): Kind {
  switch (v.type) {
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'uint8':
      return 'uint';
    case 'float64':
      return 'float';
    case 'string':
      return 'string';
    case 'map':
      return 'invalid';
  }
}

function numeric(v: GoValue): bigint {
  return v.type === 'int' ? v.value : BigInt(v.type === 'uint8' ? v.value : 0);
}

/** Go's `eq`: true when arg1 equals any later argument; an error for kinds that cannot be compared. */
function eq(at: Position, first: GoValue, rest: GoValue[]): boolean {
  if (rest.length === 0) fail(at, 'error calling eq: missing argument for comparison');
  const k1 = basicKind(first);
  for (const other of rest) {
    const k2 = basicKind(other);
    let equal: boolean;
    if (k1 !== k2) {
      const integers = (k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int');
      if (!integers) fail(at, 'error calling eq: incompatible types for comparison');
      equal = numeric(first) === numeric(other);
    } else if (k1 === 'invalid') {
      fail(at, `error calling eq: non-comparable type ${typeName(other)}`);
    } else {
      equal = first.value === other.value;
    }
    if (equal) return true;
  }
  return false;
}

function lt(at: Position, name: string, a: GoValue, b: GoValue): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid' || (k1 === k2 && k1 === 'bool')) {
    fail(at, `error calling ${name}: invalid type for comparison`);
  }
  if (k1 !== k2) {
    const integers = (k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int');
    if (!integers) fail(at, `error calling ${name}: incompatible types for comparison`);
    return numeric(a) < numeric(b);
  }
  if (a.type === 'string' && b.type === 'string') return compareBytes(a.value, b.value) < 0;
  return (a.value as number | bigint) < (b.value as number | bigint);
}

function compare(at: Position, name: string, args: GoValue[]): boolean {
  const [a, b] = args as [GoValue, GoValue];
  switch (name) {
    case 'ne':
      return !eq(at, a, [b]);
    case 'lt':
      return lt(at, name, a, b);
    case 'le':
      return lt(at, name, a, b) || eq(at, a, [b]);
    case 'gt':
      return !(lt(at, name, a, b) || eq(at, a, [b]));
    default:
      return !lt(at, name, a, b);
  }
}

function len(at: Position, v: GoValue): GoValue {
  if (v.type === 'string') return goInt(Buffer.byteLength(v.value, 'utf8'));
  if (v.type === 'map') return goInt(Object.keys(v.value).length);
  return fail(at, `error calling len: len of type ${typeName(v)}`);
}

function index(at: Position, item: GoValue, keys: GoValue[]): GoValue {
  let current = item;
  for (const key of keys) {
    if (current.type === 'map') {
      if (key.type !== 'string')
        fail(at, `error calling index: value has type ${typeName(key)}; should be string`);
      current = goString(current.value[key.value] ?? '');
    } else if (current.type === 'string') {
      if (key.type !== 'int' && key.type !== 'uint8') {
        fail(at, `error calling index: cannot index slice/array with type ${typeName(key)}`);
      }
      const bytes = Buffer.from(current.value, 'utf8');
      const i = numeric(key);
      if (i < 0n || i >= BigInt(bytes.length))
        fail(at, `error calling index: index out of range: ${String(i)}`);
      current = { type: 'uint8', value: bytes[Number(i)] ?? 0 };
    } else {
      fail(at, `error calling index: can't index item of type ${typeName(current)}`);
    }
  }
  return current;
}

/** Go's argument-count rule: `want` fixed parameters, `variadic` if more are allowed. */
function checkCount(at: Position, name: string, got: number, want: number, variadic: boolean): void {
  if (variadic ? got < want : got !== want) {
    fail(
      at,
      `wrong number of args for ${name}: want ${variadic ? 'at least ' : ''}${String(want)} got ${String(got)}`,
    );
  }
}

const ARITY: Record<string, [number, boolean]> = {
  and: [1, true],
  or: [1, true],
  not: [1, false],
  len: [1, false],
  index: [1, true],
  eq: [1, true],
  ne: [2, false],
  lt: [2, false],
  le: [2, false],
  gt: [2, false],
  ge: [2, false],
  print: [0, true],
  println: [0, true],
  printf: [1, true],
};

class Executor {
  constructor(private readonly functions: TemplateFunctions) {}

  run(nodes: readonly TemplateNode[]): string {
    let out = '';
    for (const node of nodes) {
      if (node.type === 'text') out += node.text;
      else if (node.type === 'action') out += printAction(this.pipeline(node.pipe));
      else out += this.run(this.condition(node.pipe) ? node.list : (node.elseList ?? []));
    }
    return out;
  }

  private condition(pipe: Pipeline): boolean {
    return truth(this.pipeline(pipe));
  }

  private pipeline(pipe: Pipeline): GoValue {
    let value: GoValue | undefined;
    for (const command of pipe.commands) value = this.command(command, value);
    if (value === undefined) return fail(pipe.at, 'missing value for command');
    return value;
  }

  private command(command: Command, final: GoValue | undefined): GoValue {
    const [head, ...rest] = command.args;
    if (head === undefined) return fail(command.at, 'empty command');
    if (head.type === 'identifier') return this.call(head.name, head.at, rest, final);
    if (head.type === 'chain') {
      if (rest.length > 0 || final !== undefined) {
        fail(head.at, `${head.fields.at(-1) ?? ''} is not a method but has arguments`);
      }
      return this.chain(head);
    }
    if (rest.length > 0 || final !== undefined)
      fail(head.at, `can't give argument to non-function ${show(head)}`);
    return this.operand(head);
  }

  private chain(chain: Extract<Operand, { type: 'chain' }>): GoValue {
    let value = this.operand(chain.node);
    for (const field of chain.fields) {
      if (value.type !== 'map') fail(chain.at, `can't evaluate field ${field} in type ${typeName(value)}`);
      const found = value.value[field];
      if (found === undefined) fail(chain.at, `map has no entry for key "${field}"`);
      value = goString(found);
    }
    return value;
  }

  private operand(operand: Operand): GoValue {
    switch (operand.type) {
      case 'identifier':
        return this.call(operand.name, operand.at, [], undefined);
      case 'string':
        return goString(operand.value);
      case 'bool':
        return goBool(operand.value);
      case 'number':
        return operand.numberType === 'int'
          ? goInt(operand.value)
          : { type: 'float64', value: Number(operand.value) };
      case 'pipe':
        return this.pipeline(operand.pipe);
      case 'chain':
        return this.chain(operand);
    }
  }

  private call(name: string, at: Position, args: Operand[], final: GoValue | undefined): GoValue {
    const count = args.length + (final === undefined ? 0 : 1);
    if (name === 'variables' && this.functions.variables !== undefined) {
      checkCount(at, name, count, 0, false);
      return { type: 'map', value: this.functions.variables };
    }
    const value = this.functions.values[name];
    if (value !== undefined) {
      checkCount(at, name, count, 0, false);
      return goString(value);
    }
    const arity = ARITY[name];
    if (arity === undefined) return fail(at, `function "${name}" not defined`);
    checkCount(at, name, count, arity[0], arity[1]);
    if (name === 'and' || name === 'or') return this.andOr(name, args, final);
    if (name === 'printf') {
      const [format, ...rest] = args;
      const text = format === undefined ? final : this.formatArgument(format);
      if (text?.type !== 'string')
        return fail(at, `wrong type for value; expected string; got ${text ? typeName(text) : 'nothing'}`);
      const values = format === undefined ? [] : this.values(rest, final);
      return goString(sprintf(text.value, values));
    }
    return this.builtin(name, at, this.values(args, final));
  }

  /** printf's format must be a string: a literal of another kind is refused before it is evaluated. */
  private formatArgument(format: Operand): GoValue {
    if (format.type === 'number' || format.type === 'bool') {
      fail(format.at, `expected string; found ${show(format)}`);
    }
    return this.operand(format);
  }

  private values(args: Operand[], final: GoValue | undefined): GoValue[] {
    const values = args.map((a) => this.operand(a));
    if (final !== undefined) values.push(final);
    return values;
  }

  private andOr(name: 'and' | 'or', args: Operand[], final: GoValue | undefined): GoValue {
    let value: GoValue | undefined;
    for (const arg of args) {
      value = this.operand(arg);
      if (truth(value) === (name === 'or')) return value;
    }
    return final ?? (value as GoValue);
  }

  private builtin(name: string, at: Position, args: GoValue[]): GoValue {
    const [first] = args as [GoValue];
    switch (name) {
      case 'not':
        return goBool(!truth(first));
      case 'len':
        return len(at, first);
      case 'index':
        return index(at, first, args.slice(1));
      case 'eq':
        return goBool(eq(at, first, args.slice(1)));
      case 'print':
        return goString(sprint(args));
      case 'println':
        return goString(sprintln(args));
      default:
        return goBool(compare(at, name, args));
    }
  }
}

function show(operand: Operand): string {
  switch (operand.type) {
    case 'number':
      return operand.text;
    case 'string':
      return JSON.stringify(operand.value);
    case 'bool':
      return String(operand.value);
    default:
      return operand.type;
  }
}

/** Runs `nodes` with `functions`; errors name the line and column of the action that failed. */
export function execute(nodes: readonly TemplateNode[], functions: TemplateFunctions): string {
  return new Executor(functions).run(nodes);
}
