/** The flags document the OpenFeature integration specs serve from the local server. */
import type { FlagsDocument } from '../../lib/server/index.js';
import { PROD_KEY } from '../server/fixtures.js';

/** The production key of the served flags. */
export const API_KEY = PROD_KEY;
export const WRONG_KEY = 'cg_demo_production_wrongwrongwrongwrongwrongwrongwr';

/** Project `demo`, environment `production`: one flag of each type, with targeting on `plan` and `country`. */
export function openFeatureFlags(): FlagsDocument {
  return {
    adminKey: 'dev-admin-key',
    projects: [
      {
        slug: 'demo',
        environments: [{ slug: 'production', apiKeys: [API_KEY] }],
        flags: [
          {
            key: 'dark-mode',
            type: 'bool',
            defaultVariant: 'false',
            environments: {
              production: { enabled: true, rules: [{ priority: 1, conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], variant: 'true' }] },
            },
          },
          {
            key: 'banner',
            type: 'string',
            variants: ['welcome', 'holiday'],
            defaultVariant: 'welcome',
            environments: {
              production: { enabled: true, rules: [{ priority: 1, conditions: [{ attribute: 'country', operator: 'eq', values: ['DE'] }], variant: 'holiday' }] },
            },
          },
          { key: 'max-items', type: 'number', variants: ['10', '25'], defaultVariant: '25', environments: { production: { enabled: true } } },
          { key: 'layout', type: 'json', variants: ['{"columns":3}'], defaultVariant: '{"columns":3}', environments: { production: { enabled: true } } },
        ],
      },
    ],
  };
}
