import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Whether a real service binary the specs need is on this machine. CI (`CI=true`) installs every
 * one of them in `.ci/run`, so there a missing binary is a failure, never a skip; on a developer
 * machine without it the specs that need it are skipped with a line saying why.
 */
export function hasService(binary: string, candidates: string[] = []): boolean {
  const found = [...candidates, ...pathCandidates(binary)].some((path) => existsSync(path));
  if (!found) {
    if (process.env.CI) throw new Error(`${binary} is not installed, and CI must not skip: apt-get install -y ${binary} (.ci/run does this)`);
    console.warn(`skipped: install ${binary} (apt-get install -y ${binary}) to run these specs; CI runs them`);
  }
  return found;
}

function pathCandidates(binary: string): string[] {
  try {
    return [execFileSync('which', [binary], { encoding: 'utf8' }).trim()].filter(Boolean);
  } catch {
    return [];
  }
}
