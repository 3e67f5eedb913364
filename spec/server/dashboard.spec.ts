import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import { DASHBOARD_BYTES } from '../../lib/server/dashboard/index.js';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { demoFlags } from './fixtures.js';

let server: FlagServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** GET `path` with an explicit Host header (fetch does not let a caller set one). */
function get(path: string, host: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server!.url}${path}`, { headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
    });
    req.on('error', reject).end();
  });
}

describe('the dashboard routes', () => {
  it('serve the page, script, styles and the document on a loopback Host only', async () => {
    server = await startServer({ flags: demoFlags(), dashboard: true });
    const here = `127.0.0.1:${server.port}`;
    expect(await get('/', here)).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(await get('/_dashboard/app.js', `localhost:${server.port}`)).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect((await get('/_dashboard/style.css', here)).status).toBe(200);
    expect(JSON.parse((await get('/_dashboard/flags.json', here)).body)).toEqual(server.flags);
    // A page on another site that rebinds its own name to 127.0.0.1 sends its own Host.
    for (const host of [`evil.example:${server.port}`, '127.0.0.1:1', `127.0.0.1.evil.example:${server.port}`]) {
      expect((await get('/_dashboard/flags.json', host)).status).toBe(403);
    }
    expect((await get('/_dashboard/nothing', here)).status).toBe(404);
  });

  it('are off unless asked for', async () => {
    server = await startServer({ flags: demoFlags() });
    expect((await get('/', `127.0.0.1:${server.port}`)).status).toBe(404);
    expect((await get('/_dashboard/flags.json', `127.0.0.1:${server.port}`)).status).toBe(404);
  });

  it('are refused on a host that is not loopback', async () => {
    await expect(startServer({ flags: demoFlags(), host: '0.0.0.0', dashboard: true })).rejects.toThrow(ConfigError);
    await expect(startServer({ flags: demoFlags(), host: '0.0.0.0', dashboard: true })).rejects.toThrow(/dashboard: is served only on a loopback host/);
  });

  it('send one event per toggle to open pages', async () => {
    server = await startServer({ flags: demoFlags(), dashboard: true });
    const res = await fetch(`${server.url}/_dashboard/events`);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toBe('retry: 1000\n\n');
    server.toggle('demo', 'production', 'dark-mode', false);
    expect((await reader.read()).value).toBe('data: {"project":"demo","environment":"production","flagKey":"dark-mode","enabled":false}\n\n');
    await reader.cancel();
  });

  it('serve the warnings of the last load, which a new document replaces', async () => {
    const warned = demoFlags();
    warned.projects[0]!.flags!.push({ key: 'layout', type: 'json', variants: ['null', '[1]'], defaultVariant: 'null' });
    server = await startServer({ flags: warned, dashboard: true, logger: { warn() {}, error() {} } });
    const warnings = async (): Promise<string[]> => (JSON.parse((await get('/_dashboard/warnings.json', `127.0.0.1:${server!.port}`)).body) as { warnings: string[] }).warnings;
    expect(JSON.parse((await get('/_dashboard/warnings.json', `127.0.0.1:${server.port}`)).body)).toMatchObject({ fileProblem: null });
    expect(await warnings()).toEqual([
      expect.stringMatching(/^projects\[0\]\.flags\[4\]\.variants\[0\]: OFREP has no null value: OFREP clients get their code default/),
      expect.stringMatching(/^projects\[0\]\.flags\[4\]\.variants\[1\]: an array is outside OFREP's object value/),
    ]);
    server.setFlags(demoFlags());
    expect(await warnings()).toEqual([]);
  });

  it('weigh a few kilobytes in all', () => {
    console.log(`dashboard: ${DASHBOARD_BYTES} bytes (page, script, styles, icon)`);
    expect(DASHBOARD_BYTES).toBeLessThan(16 * 1024);
  });
});
