/**
 * Splits a command line into words the way a POSIX shell would for plain words and quotes, and
 * refuses everything else a shell would interpret (pipes, redirections, expansions, command
 * substitution): Serin never runs a shell, so such a line cannot mean what its author intended.
 */
export class CommandLineError extends Error {}

const OPERATORS = new Set([';', '|', '&', '>', '<', '`', '(', ')']);

function readSingleQuoted(line: string, start: number): { text: string; end: number } {
  const close = line.indexOf("'", start + 1);
  if (close === -1) throw new CommandLineError(`unterminated single quote at column ${start + 1}`);
  return { text: line.slice(start + 1, close), end: close + 1 };
}

function readDoubleQuoted(line: string, start: number): { text: string; end: number } {
  let text = '';
  for (let i = start + 1; i < line.length; i++) {
    const c = line.charAt(i);
    if (c === '"') return { text, end: i + 1 };
    if (c === '$' || c === '`')
      throw new CommandLineError(`shell expansion "${c}" at column ${i + 1} is not supported`);
    if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line.charAt(i + 1))) {
      text += line.charAt(i + 1);
      i += 1;
    } else text += c;
  }
  throw new CommandLineError(`unterminated double quote at column ${start + 1}`);
}

export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  while (i < line.length) {
    const c = line.charAt(i);
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      i += 1;
    } else if (c === "'" || c === '"') {
      const quoted = c === "'" ? readSingleQuoted(line, i) : readDoubleQuoted(line, i);
      word = (word ?? '') + quoted.text;
      i = quoted.end;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new CommandLineError('trailing backslash');
      word = (word ?? '') + line.charAt(i + 1);
      i += 2;
    } else if (OPERATORS.has(c) || c === '$') {
      throw new CommandLineError(
        `shell syntax "${c}" at column ${i + 1} is not supported: Serin runs no shell`,
      );
    } else {
      word = (word ?? '') + c;
      i += 1;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Quotes a word so that {@link splitWords} reads it back unchanged. */
export function quoteWord(word: string): string {
  if (word !== '' && /^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
