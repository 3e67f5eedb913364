/**
 * Test helper: the TypeScript blocks of the README and the guides (docs/, the generated API
 * reference excepted), written out as modules so `tsc` can check them against the packed package.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const REPO = new URL('../..', import.meta.url).pathname;

/** One fenced ```ts block. */
export interface Snippet {
  /** `README.md:67`: the document and the line of the opening fence. */
  where: string;
  /** A file name for it: `README.md-67.ts`, or the name its first line gives (`// src/flags.ts` → `flags.ts`). */
  file: string;
  code: string;
}

/** The Markdown files whose snippets are checked. */
export function documents(): string[] {
  const guides = readdirSync(join(REPO, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.md') && !path.startsWith('api'))
    .map((path) => join('docs', path));
  return ['README.md', ...guides.sort()];
}

/** Every ```ts block of `documents()`; each is a module (`export {}` is appended) so its names stay its own. */
export function snippets(): Snippet[] {
  const found: Snippet[] = [];
  for (const document of documents()) {
    const lines = readFileSync(join(REPO, document), 'utf8').split('\n');
    let start = -1;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (start < 0 && /^```(ts|typescript)\s*$/.test(line)) start = i;
      else if (start >= 0 && /^```\s*$/.test(line)) {
        const where = `${relative(REPO, join(REPO, document))}:${start + 1}`;
        // A block that names its file (`// src/flags.ts …`) is written under that name, so later blocks can import it.
        const named = /^\/\/ (?:\S+\/)?([\w.-]+)\.ts\b/.exec(lines[start + 1] ?? '')?.[1];
        const file = named === undefined ? `${where.replace(/[/:]/g, '-')}.ts` : `${named}.ts`;
        found.push({ where, file, code: `${lines.slice(start + 1, i).join('\n')}\nexport {};\n` });
        start = -1;
      }
    }
  }
  return found;
}

/**
 * What every snippet may take as given, as the text before the blocks says: a `client` and a
 * `transport` made as in the Quick start, and an Express `app`. Everything else a snippet uses, it
 * declares or imports itself.
 */
export const PRELUDE = `import type { FlagClient, Transport } from 'flagstream';
import type { Express } from 'express';
declare global {
  const client: FlagClient;
  const transport: Transport;
  const app: Express;
}
export {};
`;
