/** Hostile YAML for parser and endpoint tests. */

/** Nine aliases of nine aliases of ...: a few lines that expand to 9^levels nodes. */
export function aliasBomb(levels = 5): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < levels; i++) {
    const ref = `*a${i - 1}`;
    lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => ref).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}
