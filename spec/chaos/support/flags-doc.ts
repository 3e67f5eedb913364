import type { FlagsDocument } from '../../../lib/server/index.js';

/** The API key of the chaos flags documents (a spec-only key for the local server). */
export const CHAOS_KEY = 'cg_demo_production_chaos0123456789abcdefghijklmnop';

/** A flags document whose `banner` string flag serves `banner` and `dark-mode` serves `dark`. */
export function flagsDoc(banner: string, dark = true): FlagsDocument {
  return {
    projects: [
      {
        slug: 'demo',
        environments: [{ slug: 'production', apiKeys: [CHAOS_KEY] }],
        flags: [
          {
            key: 'banner',
            type: 'string',
            variants: [banner, 'none'],
            defaultVariant: banner,
            environments: { production: { enabled: true } },
          },
          { key: 'dark-mode', type: 'bool', defaultVariant: String(dark), environments: { production: { enabled: true } } },
        ],
      },
    ],
  } as FlagsDocument;
}
