/**
 * A quick start shows its files verbatim: `<!-- include: <path> -->` before a fenced block says
 * the block is that file of the repository, byte for byte. These read the marks so a test can
 * hold the page to the files its suites run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface Included {
  /** The path the mark names, relative to the repository root. */
  path: string;
  /** The block's text, with its final newline. */
  shown: string;
}

/** Every marked block of a page, in order; a mark without a block right after it is an error. */
export function includedBlocks(page: string): Included[] {
  const text = readFileSync(join(ROOT, page), 'utf8');
  const out: Included[] = [];
  for (const mark of text.matchAll(/<!-- include: (\S+) -->\n\n```[a-z]*\n/g)) {
    const start = mark.index + mark[0].length;
    const end = text.indexOf('\n```\n', start - 1);
    if (end < 0) throw new Error(`${page}: the block of ${mark[1] ?? ''} is not closed`);
    out.push({ path: mark[1] ?? '', shown: text.slice(start, end + 1) });
  }
  const marks = [...text.matchAll(/<!-- include: /g)].length;
  if (marks !== out.length)
    throw new Error(`${page}: ${marks - out.length} include mark(s) not followed by a block`);
  return out;
}
