/** Fixtures of the OFREP route specs: the demo document with a rollout and an enabled json flag, and request functions. */
import type { FlagsDocument } from '../../lib/server/index.js';
import { demoFlags } from './fixtures.js';

export const BULK = '/ofrep/v1/evaluate/flags';

/**
 * {@link demoFlags} plus, in production, `rollout` (a one-entry rollout: `SPLIT` to `"on"` for a signed-in user, `DEFAULT` for an anonymous one) and
 * `layout` (an enabled json flag without rules: `STATIC`).
 */
export function ofrepFlags(): FlagsDocument {
  const document = demoFlags();
  document.projects[0]!.flags!.push(
    {
      key: 'rollout',
      type: 'string',
      variants: ['on', 'off'],
      defaultVariant: 'off',
      environments: {
        production: {
          enabled: true,
          rules: [{ priority: 1, id: 'ramp', rollout: [{ variant: 'on', weight: 100 }] }],
        },
      },
    },
    { key: 'layout', type: 'json', variants: ['{"cols":3}'], defaultVariant: '{"cols":3}', environments: { production: { enabled: true } } },
  );
  return document;
}

/** POST an OFREP request: a JSON (or raw string) body and the given headers. */
export function ofrepPost(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** `Authorization: Bearer <key>`. */
export const bearer = (key: string): Record<string, string> => ({ Authorization: `Bearer ${key}` });
