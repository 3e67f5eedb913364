import { fileURLToPath } from 'node:url';
import { performCompilation } from '@angular/compiler-cli';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/**
 * The diagnostics of `files` compiled as their own program by Angular's compiler (TypeScript's
 * checks plus strict template type-checking), with the repository's compiler options.
 */
function diagnosticsOf(files: string[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(`${ROOT}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) throw new Error('tsconfig.json could not be read');
  const { diagnostics } = performCompilation({ rootNames: files, options: { ...config.options, noEmit: true, strictTemplates: true } });
  return diagnostics.map((d) => {
    const where = d.file ? `${d.file.fileName.slice(ROOT.length)}: ` : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
}

describe('an Angular app that registers its flags interface (AppFlags)', () => {
  it('types flagSignal, injectFlagClient and the *flag key by it: a misspelt key in a template is the only error', () => {
    // angular-app.ts: every @ts-expect-error must be needed (an unneeded one is an error too).
    expect(diagnosticsOf([fixture('angular-app.ts'), fixture('angular-template.ts')])).toEqual([
      `spec/types/fixtures/angular-template.ts: Type '"new-chekout"' is not assignable to type '"new-checkout" | "banner-text" | "max-items" | "checkout-config"'. Did you mean '"new-checkout"'?`,
    ]);
  }, 60_000);
});
