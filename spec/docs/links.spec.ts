import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documents } from './snippets.js';

const REPO = new URL('../..', import.meta.url).pathname;

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string): string =>
  heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\- _]/gu, '').replace(/ /g, '-');

/** The anchors of a Markdown file's headings (outside code fences). */
function anchors(file: string): Set<string> {
  const found = new Set<string>();
  let fence = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fence = !fence;
    const heading = !fence && /^#{1,6} (.*)$/.exec(line);
    if (heading) found.add(slug(heading[1]!));
  }
  return found;
}

describe('the README and the guides', () => {
  it('link only to files that exist and to headings those files have', () => {
    const broken: string[] = [];
    for (const document of documents()) {
      const path = join(REPO, document);
      let fence = false;
      readFileSync(path, 'utf8').split('\n').forEach((line, index) => {
        if (line.startsWith('```')) fence = !fence;
        if (fence) return;
        for (const [, target] of line.matchAll(/\]\(([^)\s]+)\)/g)) {
          if (/^[a-z]+:/i.test(target!)) continue;
          const [file, anchor] = target!.split('#') as [string, string | undefined];
          const resolved = file === '' ? path : join(dirname(path), file);
          const where = `${relative(REPO, path)}:${index + 1} → ${target}`;
          if (!existsSync(resolved)) broken.push(`${where} (no such file)`);
          else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) broken.push(`${where} (no such heading)`);
        }
      });
    }
    expect(broken).toEqual([]);
  });
});
