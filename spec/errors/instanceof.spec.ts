import { describe, expect, it } from 'vitest';
import * as here from '../../lib/errors.js';
import { withMinifiedCopy } from './minified-copy.js';

describe('instanceof across copies of the package', () => {
  it('holds for the class and its bases, never for another class, a lookalike or a subclass outside the package', async () => {
    await withMinifiedCopy((other) => {
      const fromOther = new other.ProjectNotFoundError();
      class AppAuthError extends here.AuthError {}
      expect({
        sameClass: fromOther instanceof here.ProjectNotFoundError,
        base: fromOther instanceof here.RequestError,
        root: fromOther instanceof here.FlagstreamError,
        otherClass: fromOther instanceof here.AuthError,
        back: new here.AuthError(401) instanceof other.AuthError,
        appSubclassInBase: new AppAuthError(401) instanceof other.AuthError,
        baseInAppSubclass: new other.AuthError(401) instanceof AppAuthError,
        lookalike: { name: 'AuthError', message: 'x' } instanceof other.AuthError,
        plainError: new Error('x') instanceof other.FlagstreamError,
        primitive: (1 as unknown) instanceof other.FlagstreamError,
        terminal: here.isTerminal(fromOther),
        name: fromOther.name,
      }).toEqual({
        sameClass: true,
        base: true,
        root: true,
        otherClass: false,
        back: true,
        appSubclassInBase: true,
        baseInAppSubclass: false,
        lookalike: false,
        plainError: false,
        primitive: false,
        terminal: true,
        name: 'ProjectNotFoundError',
      });
    });
  });
});
