import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/angular-app.ts', import.meta.url));

/** The diagnostics of `file` compiled as its own program with the repository's compiler options. */
function diagnosticsOf(file: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(`${ROOT}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) throw new Error('tsconfig.json could not be read');
  const program = ts.createProgram([file], config.options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
}

describe('an Angular app that registers its flags interface (AppFlags)', () => {
  it('types flagSignal, injectFlagClient and the *flag key by it: every expected error occurs, nothing else fails', () => {
    expect(diagnosticsOf(FIXTURE)).toEqual([]);
  }, 60_000);
});
