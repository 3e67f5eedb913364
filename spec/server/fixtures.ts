/**
 * Test fixtures: a small flags document and request helpers for the server specs. Its keys are also
 * those of examples/flags.json, which the client, CLI and browser specs serve.
 */
import type { FlagsDocument } from '../../lib/server/index.js';

export const PROD_KEY = 'cg_demo_production_0123456789abcdefghijklmnopqrstuvwx';
export const STAGING_KEY = 'cg_demo_staging_0123456789abcdefghijklmnopqrstuvwxyz01';
export const OTHER_KEY = 'cg_other_production_0123456789abcdefghijklmnopqrstuv';
export const ADMIN_KEY = 'dev-admin-key';

/** Project `demo` (production, staging) with four flags, and project `other` with none. */
export function demoFlags(): FlagsDocument {
  return {
    adminKey: ADMIN_KEY,
    projects: [
      {
        slug: 'demo',
        environments: [
          { slug: 'production', apiKeys: [PROD_KEY] },
          { slug: 'staging', apiKeys: [STAGING_KEY] },
        ],
        segments: [{ slug: 'beta', members: ['user-1'] }],
        flags: [
          {
            key: 'dark-mode',
            type: 'bool',
            defaultVariant: 'false',
            environments: {
              production: {
                enabled: true,
                rules: [
                  { priority: 1, conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], variant: 'true' },
                  { priority: 2, conditions: [{ operator: 'in_segment', values: ['beta'] }], variant: 'true' },
                ],
              },
              staging: { enabled: true },
            },
          },
          {
            key: 'banner',
            type: 'string',
            variants: ['control', 'holiday'],
            defaultVariant: 'control',
            environments: { production: { enabled: false }, staging: { enabled: true } },
          },
          {
            key: 'max-items',
            type: 'number',
            variants: ['10', '25'],
            defaultVariant: '25',
            environments: { production: { enabled: true } },
          },
          { key: 'config', type: 'json', variants: ['{"a":1}'], defaultVariant: '{"a":1}' },
        ],
      },
      { slug: 'other', environments: [{ slug: 'production', apiKeys: [OTHER_KEY] }] },
    ],
  };
}

/** The Cuttlegate path prefix of a project and environment. */
export const envPath = (project = 'demo', environment = 'production'): string =>
  `/api/v1/projects/${project}/environments/${environment}`;

/** POST a JSON (or raw string) body with a bearer token. */
export function post(url: string, token: string | undefined, body: unknown = { context: {} }): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  return fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}
