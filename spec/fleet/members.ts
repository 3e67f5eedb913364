/** Fleet members as child processes: the member script, bundled once, run with plain `node`. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

/** What a member printed last. */
export interface MemberState {
  role?: string;
  enabled?: boolean;
  /** `status.state`, and the name of `status.error` when it changed with it. */
  state?: string;
  error?: string;
}

/** One member process and what it reported. */
export interface Member {
  readonly pid: number;
  readonly state: MemberState;
  /** Every line it printed, parsed, with the time it arrived. */
  readonly lines: Array<Record<string, unknown> & { receivedAt: number }>;
  readonly exited: Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

/** Bundles spec/fleet/child.ts (with node-redis and rxjs) into one minified file, so 20 members start fast (no tsx per process). */
export async function bundleMember(): Promise<{ file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'flagstream-fleet-'));
  const file = join(dir, 'member.mjs');
  await build({
    entryPoints: [new URL('./child.ts', import.meta.url).pathname],
    bundle: true,
    minify: true,
    keepNames: true, // error names (status.error.name) as the library gives them
    // Node 20 has a global fetch: the client never loads cross-fetch, so it stays out of the bundle.
    external: ['cross-fetch'],
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: file,
    logLevel: 'warning',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Starts one member with the given environment. */
export function startMember(file: string, env: Record<string, string>): Member {
  const child: ChildProcess = spawn(process.execPath, [file], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const state: MemberState = {};
  const lines: Member['lines'] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const parsed = JSON.parse(line) as Record<string, unknown>;
      lines.push({ ...parsed, receivedAt: Date.now() });
      if ('role' in parsed) state.role = parsed.role as string | undefined;
      if ('enabled' in parsed) state.enabled = parsed.enabled as boolean;
      if ('state' in parsed) {
        state.state = parsed.state as string;
        state.error = parsed.error as string | undefined;
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => lines.push({ stderr: chunk.toString('utf8'), receivedAt: Date.now() }));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    state,
    lines,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
    },
  };
}

/** Resolves once `condition()` holds (checked every 20 ms); rejects with `what` (and `detail()`) after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string, detail?: () => string): Promise<number> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `: ${detail()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - start;
}

/** Stops members by PID (SIGKILL) and waits for them to exit. */
export async function stopMembers(members: readonly Member[]): Promise<void> {
  for (const member of members) member.kill('SIGKILL');
  await Promise.all(members.map((member) => member.exited));
}

/** One line per member: its pid, state and last lines (for timeout messages). */
export function summary(members: readonly Member[]): string {
  return members.map((m) => `${m.pid} ${JSON.stringify(m.state)} ${JSON.stringify(m.lines.slice(-4))}`).join('\n');
}

/** The members that say they lead. */
export function leaders(members: readonly Member[]): Member[] {
  return members.filter((m) => m.state.role === 'leader');
}
