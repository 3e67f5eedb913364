import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type FlagServer, type FlagsDocument } from '../../lib/server/index.js';
import type { Logger } from '../../lib/types.js';
import { demoFlags, envPath, post, PROD_KEY } from './fixtures.js';
import { openSse, type SseReader } from './sse-reader.js';

/** A logger whose next message of a level can be awaited, with a bounded timeout. */
function recordingLogger() {
  const waiters: { level: string; resolve: (message: string) => void }[] = [];
  const record = (level: string) => (message: string) => {
    const index = waiters.findIndex((w) => w.level === level);
    if (index >= 0) waiters.splice(index, 1)[0]!.resolve(message);
  };
  const logger: Logger = { info: record('info'), warn: record('warn'), error: record('error') };
  const next = (level: 'info' | 'warn' | 'error', timeoutMs = 5000): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${level} log within ${timeoutMs} ms`)), timeoutMs);
      waiters.push({ level, resolve: (message) => (clearTimeout(timer), resolve(message)) });
    });
  return { logger, next };
}

describe('watching the flags file', () => {
  let dir: string;
  let file: string;
  let server: FlagServer | undefined;
  let reader: SseReader | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flagstream-watch-'));
    file = join(dir, 'flags.json');
    await writeFile(file, JSON.stringify(demoFlags(), null, 2));
  });

  afterEach(async () => {
    reader?.close();
    reader = undefined;
    await server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function startWatching(log = recordingLogger(), emitOnReload = true) {
    server = await startServer({ file, logger: log.logger, emitOnReload });
    reader = await openSse(`${server.url}${envPath()}/flags/stream`, PROD_KEY);
    return { server, reader, log };
  }

  async function valueKey(s: FlagServer, flag: string): Promise<string> {
    const res = await post(`${s.url}${envPath()}/flags/${flag}/evaluate`, PROD_KEY);
    return ((await res.json()) as { value_key: string }).value_key;
  }

  const edit = (change: (doc: FlagsDocument) => void): FlagsDocument => {
    const doc = demoFlags();
    change(doc);
    return doc;
  };

  it('applies a valid edit at once and sends one event per changed flag, after the new state is visible', async () => {
    const { server: s, reader: r } = await startWatching();
    expect(await valueKey(s, 'max-items')).toBe('25');
    await writeFile(file, JSON.stringify(edit((d) => (d.projects[0]!.flags![2]!.environments!.production!.rules = [{ priority: 1, variant: '10' }]))));
    const event = JSON.parse((await r.nextData())!.data!) as Record<string, unknown>;
    expect(event).toMatchObject({ type: 'flag.state_changed', project: 'demo', environment: 'production', flag_key: 'max-items', enabled: true });
    expect(await valueKey(s, 'max-items')).toBe('10');
    // A second edit of another flag: its event is the very next one, so the first edit sent nothing else.
    await writeFile(file, JSON.stringify(edit((d) => {
      d.projects[0]!.flags![2]!.environments!.production!.rules = [{ priority: 1, variant: '10' }];
      d.projects[0]!.flags![1]!.environments!.production!.enabled = true;
    })));
    expect(JSON.parse((await r.nextData())!.data!)).toMatchObject({ flag_key: 'banner', enabled: true });
  });

  it('follows editors that replace the file by renaming a temporary file over it', async () => {
    const { server: s, reader: r } = await startWatching();
    const temp = join(dir, '.flags.json.tmp');
    await writeFile(temp, JSON.stringify(edit((d) => (d.projects[0]!.flags![0]!.environments!.production!.enabled = false))));
    await rename(temp, file);
    expect(JSON.parse((await r.nextData())!.data!)).toMatchObject({ flag_key: 'dark-mode', enabled: false });
    expect(await valueKey(s, 'dark-mode')).toBe('false');
    await writeFile(temp, JSON.stringify(demoFlags()));
    await rename(temp, file);
    expect(JSON.parse((await r.nextData())!.data!)).toMatchObject({ flag_key: 'dark-mode', enabled: true });
  });

  it('rejects an invalid edit with the file, path and reason, and keeps serving the last good flags', async () => {
    const log = recordingLogger();
    const { server: s, reader: r } = await startWatching(log);
    const rejected = log.next('error');
    await writeFile(file, JSON.stringify(edit((d) => (d.projects[0]!.flags![1]!.defaultVariant = 'blue'))));
    const message = await rejected;
    expect(message).toContain(file);
    expect(message).toContain('projects[0].flags[1].defaultVariant: "blue" is not one of the variants');
    expect(message).toContain('last good flags');
    expect(await valueKey(s, 'banner')).toBe('control');

    const syntax = log.next('error');
    await writeFile(file, '{ "projects": [');
    expect(await syntax).toMatch(/invalid JSON/);

    await writeFile(file, JSON.stringify(edit((d) => (d.projects[0]!.flags![2]!.defaultVariant = '10'))));
    expect(JSON.parse((await r.nextData())!.data!)).toMatchObject({ flag_key: 'max-items' });
    expect(await valueKey(s, 'max-items')).toBe('10');
  });

  it('says when a broken file is valid again, even when its flags are the last good ones', async () => {
    const log = recordingLogger();
    await startWatching(log);
    const rejected = log.next('error');
    await writeFile(file, '{ "projects": [');
    await rejected;
    const back = log.next('info');
    await writeFile(file, JSON.stringify(demoFlags(), null, 2));
    expect(await back).toBe(`${file} is valid again: serving it (no flag changed)`);
  });

  it('counts reloaded changes per project and environment, as a watcher of one environment lists them', async () => {
    const log = recordingLogger();
    await startWatching(log);
    const reloaded = log.next('info');
    await writeFile(file, JSON.stringify(edit((d) => {
      d.projects[0]!.flags![0]!.environments!.production!.enabled = false;
      d.projects[0]!.flags![2]!.environments!.production!.enabled = false;
      d.projects[0]!.flags![0]!.environments!.staging = { enabled: false };
    })));
    expect(await reloaded).toBe(`reloaded ${file}: demo/production 2 flag changes, demo/staging 1 flag change`);
  });

  it('warns when the file disappears and picks it up again when it returns', async () => {
    const log = recordingLogger();
    const { server: s, reader: r } = await startWatching(log);
    const missing = log.next('warn');
    await unlink(file);
    expect(await missing).toMatch(/is missing; still serving the last good flags/);
    expect(await valueKey(s, 'max-items')).toBe('25');
    await writeFile(file, JSON.stringify(edit((d) => (d.projects[0]!.flags![2]!.environments!.production!.enabled = false))));
    expect(JSON.parse((await r.nextData())!.data!)).toMatchObject({ flag_key: 'max-items', enabled: false });
  });

  it('reloads without events in strict mode', async () => {
    const log = recordingLogger();
    const { server: s, reader: r } = await startWatching(log, false);
    const reloaded = log.next('info');
    await writeFile(file, JSON.stringify(edit((d) => (d.projects[0]!.flags![2]!.environments!.production!.rules = [{ priority: 1, variant: '10' }]))));
    expect(await reloaded).toMatch(/reloaded .*flags\.json/);
    expect(await valueKey(s, 'max-items')).toBe('10');
    s.toggle('demo', 'production', 'banner', true);
    expect(JSON.parse((await r.nextData())!.data!)).toMatchObject({ flag_key: 'banner' });
  });

  it('reload() re-reads the file on demand', async () => {
    server = await startServer({ file, watch: false, logger: recordingLogger().logger });
    await writeFile(file, JSON.stringify(edit((d) => (d.projects[0]!.flags![2]!.environments!.production!.enabled = false))));
    expect(await server.reload()).toEqual([{ project: 'demo', environment: 'production', flagKey: 'max-items', enabled: false }]);
    expect(await server.reload()).toEqual([]);
  });

  it('a save after a toggle or setFlags sets the flags back to the file, even when its text is unchanged', async () => {
    server = await startServer({ file, watch: false, logger: recordingLogger().logger });
    server.toggle('demo', 'production', 'max-items', false);
    expect(await valueKey(server, 'max-items')).toBe('25');
    expect(server.flags.projects[0]!.flags![2]!.environments!.production!.enabled).toBe(false);
    await writeFile(file, JSON.stringify(demoFlags(), null, 2));
    expect(await server.reload()).toEqual([{ project: 'demo', environment: 'production', flagKey: 'max-items', enabled: true }]);
    expect(server.flags.projects[0]!.flags![2]!.environments!.production!.enabled).toBe(true);
    expect(await server.reload()).toEqual([]);
    server.setFlags(edit((d) => (d.projects[0]!.flags![2]!.defaultVariant = '10')));
    expect(await valueKey(server, 'max-items')).toBe('10');
    expect(await server.reload()).toHaveLength(2);
    expect(await valueKey(server, 'max-items')).toBe('25');
  });
});
