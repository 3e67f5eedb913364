/** The flags file `flagstream init` writes: one of each flag type, a rule, a segment and a rollout, with fresh keys. */
import { randomBytes } from 'node:crypto';
import type { FlagsDocument } from '../server/index.js';

/** A Cuttlegate-style API key: `cg_` + unpadded base64url of 32 random bytes (46 characters). */
export function newApiKey(random: (size: number) => Buffer = randomBytes): string {
  return `cg_${random(32).toString('base64url')}`;
}

/** An admin key for the local server's toggle route (not `cg_`, so it never reads as an API key). */
export function newAdminKey(random: (size: number) => Buffer = randomBytes): string {
  return `admin_${random(24).toString('base64url')}`;
}

/** The starter project's slug, environments and the flag the printed toggle example switches. */
export const STARTER = { project: 'my-app', environments: ['development', 'production'], toggleFlag: 'new-checkout' } as const;

/**
 * The starter document. JSON has no comments, so each flag's `description` explains what it
 * shows and each rule has a `name`. `schemaRef` goes into `$schema`, for editors.
 */
export function starterFlags(schemaRef: string, random?: (size: number) => Buffer): FlagsDocument {
  const [development, production] = STARTER.environments;
  return {
    $schema: schemaRef,
    adminKey: newAdminKey(random),
    projects: [
      {
        slug: STARTER.project,
        environments: [
          { slug: development, apiKeys: [newApiKey(random)] },
          { slug: production, apiKeys: [newApiKey(random)] },
        ],
        segments: [{ slug: 'beta-testers', members: ['alice', 'bob'] }],
        flags: [
          {
            key: STARTER.toggleFlag,
            description:
              'A kill switch (bool). On in development for everyone, off in production. Flip it with the admin key (PATCH …/flags/new-checkout {"enabled":false}) or a switch on the dashboard.',
            type: 'bool',
            defaultVariant: 'false',
            environments: {
              [development]: { enabled: true, rules: [{ priority: 1, name: 'everyone', variant: 'true' }] },
              [production]: { enabled: false },
            },
          },
          {
            key: 'dark-mode',
            description: 'A rule and a rollout (bool): users with plan=pro get it; half of the beta-testers segment gets it; everyone else gets the default, false.',
            type: 'bool',
            defaultVariant: 'false',
            environments: {
              [development]: {
                enabled: true,
                rules: [
                  { priority: 1, name: 'pro plan', conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], variant: 'true' },
                  {
                    priority: 2,
                    name: 'half of the beta testers',
                    conditions: [{ operator: 'in_segment', values: ['beta-testers'] }],
                    rollout: [
                      { variant: 'true', weight: 50 },
                      { variant: 'false', weight: 50 },
                    ],
                  },
                ],
              },
              [production]: { enabled: true },
            },
          },
          {
            key: 'banner-text',
            description: 'A string flag: users whose country attribute is NL read "hallo"; everyone else "hello".',
            type: 'string',
            variants: ['hello', 'hallo'],
            defaultVariant: 'hello',
            environments: {
              [development]: {
                enabled: true,
                rules: [{ priority: 1, name: 'Dutch users', conditions: [{ attribute: 'country', operator: 'eq', values: ['NL'] }], variant: 'hallo' }],
              },
              [production]: { enabled: true },
            },
          },
          {
            key: 'max-items',
            description: 'A number flag: the variant is the number as text. Beta testers get 50, everyone else 10.',
            type: 'number',
            variants: ['10', '50'],
            defaultVariant: '10',
            environments: {
              [development]: {
                enabled: true,
                rules: [{ priority: 1, name: 'beta testers', conditions: [{ operator: 'in_segment', values: ['beta-testers'] }], variant: '50' }],
              },
              [production]: { enabled: true },
            },
          },
          {
            key: 'checkout-config',
            description: 'A JSON flag: the variant is the JSON text. A 20% rollout of signed-in users (stable per user id) gets the one-step checkout.',
            type: 'json',
            variants: ['{"steps":3}', '{"steps":1,"express":true}'],
            defaultVariant: '{"steps":3}',
            environments: {
              [development]: {
                enabled: true,
                rules: [
                  {
                    priority: 1,
                    name: '20% of users',
                    rollout: [
                      { variant: '{"steps":1,"express":true}', weight: 20 },
                      { variant: '{"steps":3}', weight: 80 },
                    ],
                  },
                ],
              },
            },
          },
        ],
      },
    ],
  };
}
