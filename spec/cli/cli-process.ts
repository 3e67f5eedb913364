/** Test helper: the real `flagstream` CLI as a child process, with awaited output and bounded timeouts. */
import { spawn, type ChildProcess } from 'node:child_process';

/** A running CLI process. */
export interface Cli {
  child: ChildProcess;
  /** Everything printed on stdout so far. */
  stdout(): string;
  /** Everything printed on stderr so far. */
  stderr(): string;
  /**
   * Resolves once stdout (from character `after` on) contains `text` (a string) or a line matching
   * it (a RegExp; resolves with that line); rejects on exit or after `timeoutMs` (default 10 s).
   */
  waitForStdout(text: string | RegExp, options?: { timeoutMs?: number; after?: number }): Promise<string>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

const REPO_ROOT = new URL('../..', import.meta.url).pathname;
/** tsx's loader and the CLI's entry point as absolute paths, so the CLI can run in any directory. */
const TSX_LOADER = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const CLI_MAIN = new URL('../../lib/cli/main.ts', import.meta.url).pathname;
const running = new Set<Cli>();

/** `node <nodeArgs>` in `cwd` (default: the repository root); `FLAGSTREAM_*` variables come only from `env`. */
export function spawnNode(nodeArgs: string[], env: Record<string, string> = {}, cwd = REPO_ROOT): Cli {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('FLAGSTREAM_')));
  const child = spawn(process.execPath, nodeArgs, {
    cwd,
    env: { ...inherited, ...env, FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    listeners.forEach((listener) => listener());
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const find = (text: string | RegExp, after: number): string | undefined => {
    const seen = out.slice(after);
    return typeof text === 'string' ? (seen.includes(text) ? out : undefined) : seen.split('\n').find((line) => text.test(line));
  };
  const cli: Cli = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStdout: (text, { timeoutMs = 10_000, after = 0 } = {}) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = find(text, after);
          if (found === undefined) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${String(text)} not printed within ${timeoutMs} ms; stdout: ${out}; stderr: ${err}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then(() => {
          if (find(text, after) !== undefined) return;
          cleanup();
          reject(new Error(`exited before printing ${String(text)}; stdout: ${out}; stderr: ${err}`));
        });
        check();
      }),
  };
  running.add(cli);
  void exited.then(() => running.delete(cli));
  return cli;
}

/** `flagstream <args>` through the TypeScript sources, in `cwd` (default: the repository root). */
export function startCli(args: string[], env?: Record<string, string>, cwd?: string): Cli {
  return spawnNode(['--import', TSX_LOADER, CLI_MAIN, ...args], env, cwd);
}

/** Kill every CLI still running (for `afterEach`) and wait until they are gone. */
export async function killAll(): Promise<void> {
  const left = [...running];
  for (const cli of left) cli.child.kill('SIGKILL');
  await Promise.all(left.map((cli) => cli.exited));
}
