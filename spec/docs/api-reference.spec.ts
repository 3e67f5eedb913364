/**
 * The API reference in docs/api/ is TypeDoc's output for every entry point: this spec builds it
 * afresh (typedoc.json's settings, output in a temporary directory), fails when TypeDoc's
 * validation reports a problem (a public export without a doc comment, a link to a symbol the
 * reference does not contain), and fails when the committed docs/api/ differs from the fresh output.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Application, Logger, LogLevel } from 'typedoc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = new URL('../..', import.meta.url).pathname;
const COMMITTED = join(REPO, 'docs/api');

/** Keeps TypeDoc's warnings and errors instead of printing them. */
class CollectingLogger extends Logger {
  readonly problems: string[] = [];

  override log(message: string, level: LogLevel): void {
    if (level >= LogLevel.Warn) this.problems.push(message);
  }
}

/** Every file under `root`, by path relative to it. */
function files(root: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const path of readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
    const full = join(root, path);
    if (statSync(full).isFile()) found.set(path, readFileSync(full, 'utf8'));
  }
  return found;
}

describe('the API reference (docs/api)', () => {
  const out = mkdtempSync(join(tmpdir(), 'flagstream-api-'));
  const logger = new CollectingLogger();

  beforeAll(async () => {
    const app = await Application.bootstrapWithPlugins({ options: join(REPO, 'typedoc.json'), out, logLevel: LogLevel.Warn });
    app.logger = logger;
    const project = await app.convert();
    if (!project) throw new Error(`TypeDoc could not convert the entry points:\n${logger.problems.join('\n')}`);
    app.validate(project);
    await app.generateOutputs(project);
  }, 120_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('documents every public export and links only to symbols it contains', () => {
    expect(logger.problems, 'TypeDoc validation (fix the doc comments, then run npm run docs)').toEqual([]);
  });

  it('is committed as npm run docs generates it', () => {
    const fresh = files(out);
    const committed = existsSync(COMMITTED) ? files(COMMITTED) : new Map<string, string>();
    const missing = [...fresh.keys()].filter((path) => !committed.has(path));
    const extra = [...committed.keys()].filter((path) => !fresh.has(path));
    const changed = [...fresh.keys()].filter((path) => committed.has(path) && committed.get(path) !== fresh.get(path));
    const stale = [...missing.map((p) => `missing: ${p}`), ...extra.map((p) => `no longer generated: ${p}`), ...changed.map((p) => `changed: ${p}`)];
    expect(stale, 'docs/api is stale: run npm run docs and commit docs/api').toEqual([]);
    expect(fresh.size).toBeGreaterThan(0);
  });
});
