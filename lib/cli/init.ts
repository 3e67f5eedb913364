/** `flagstream init`: write a starter flags file and say what to run next. */
import { writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './command.js';
import { DEFAULT_PORT } from './args.js';
import { shellQuote } from './shell.js';
import { STARTER, starterFlags } from './starter-flags.js';
import { packageRoot } from './version.js';

const help = `Usage: flagstream init [file] [options]

Write a starter flags file: a project "${STARTER.project}" with the environments
${STARTER.environments.join(' and ')}, a bool, a string, a number and a JSON flag, a rule, a segment
and a percentage rollout. The API keys and the admin key are generated fresh. Each flag's
"description" explains what it shows; the file validates against schema/flags.schema.json.

Arguments:
  file                 where to write (default ./flags.json)

Options:
  --force              overwrite the file if it exists
  -h, --help           show this help`;

/** The `init` command. */
export const init: Command = {
  name: 'init',
  summary: 'write a starter flags file with fresh dev keys',
  help,
  async run(args) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { force: { type: 'boolean' } } });
    if (positionals.length > 1) throw new UsageError(`expected at most one file, got ${positionals.length}`);
    const file = positionals[0] ?? 'flags.json';
    const path = resolve(file);
    const document = starterFlags(schemaReference(path));
    try {
      await writeFile(path, `${JSON.stringify(document, null, 2)}\n`, { flag: values.force ? 'w' : 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      throw new UsageError(`${file} already exists; pass --force to overwrite it, or give another file name`);
    }
    const project = document.projects[0]!;
    const env = project.environments[0]!;
    const url = `http://127.0.0.1:${DEFAULT_PORT}`;
    const q = shellQuote;
    console.log(
      [
        `Wrote ${file}: project ${project.slug} (${project.environments.map((e) => e.slug).join(', ')}), ${project.flags?.length ?? 0} flags, fresh API keys and an admin key.`,
        'Each flag\'s "description" says what it demonstrates.',
        '',
        'Next:',
        `  npx flagstream dev ${q(file)}`,
        `      serve it and watch it live; the dashboard is at ${url}/`,
        `  npx flagstream eval dark-mode --server ${url} --key ${env.apiKeys![0]} --project ${project.slug} --env ${env.slug} --attr plan=pro`,
        '      (in another terminal) evaluate one flag for a pro user',
        `  curl -X PATCH ${url}/api/v1/projects/${project.slug}/environments/${env.slug}/flags/${STARTER.toggleFlag} -H ${q(`Authorization: Bearer ${document.adminKey}`)} -d '{"enabled":false}'`,
        `      switch ${STARTER.toggleFlag} off and watch the dev terminal (and the dashboard) change`,
      ].join('\n'),
    );
    return 0;
  },
};

/** `$schema` for the new file: the installed package's schema, relative to the file's directory. */
function schemaReference(file: string): string {
  const schema = join(packageRoot(), 'schema', 'flags.schema.json');
  const path = relative(dirname(file), schema).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
}
