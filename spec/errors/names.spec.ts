import { describe, expect, it } from 'vitest';
import * as errors from '../../lib/errors.js';
import { RedisCommandError } from '../../lib/stores/index.js';
import { withMinifiedCopy } from './minified-copy.js';

const classes = { ...errors, RedisCommandError } as Record<string, unknown>;
const errorClasses = Object.entries(classes).filter(([, value]) => typeof value === 'function' && (value as { brand?: unknown }).brand !== undefined);

describe('error names', () => {
  it('every error class has a brand of its own (instanceof across package copies keeps the subclass)', () => {
    expect(errorClasses.length).toBeGreaterThanOrEqual(16);
    for (const [name, type] of errorClasses) expect([name, Object.hasOwn(type as object, 'brand')]).toEqual([name, true]);
  });

  it('stay the class names in a minified bundle, where classes are renamed', async () => {
    await withMinifiedCopy((minified) => {
      const made = {
        AuthError: new minified.AuthError(401),
        ConfigError: new minified.ConfigError('field', 'rule'),
        ProjectNotFoundError: new minified.ProjectNotFoundError(),
        StoreError: new minified.StoreError('save', 'full'),
        TimeoutError: new minified.TimeoutError(1000, 'load'),
      };
      expect(minified.AuthError.name).not.toBe('AuthError'); // renamed by the minifier, as in an app bundle
      for (const [name, error] of Object.entries(made)) expect(error.name).toBe(name);
    });
  });
});
