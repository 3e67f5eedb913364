import { NetworkError, messageOf } from '../errors.js';

/**
 * A module that loads on first use (`import()`, which bundlers split off): a load that fails (offline,
 * a tab left open across a redeploy) rejects with a `NetworkError` naming `what`, as a request would.
 */
export function chunk<T>(loading: Promise<T>, what: string): Promise<T> {
  return loading.catch((error: unknown) => {
    throw new NetworkError(`could not load the code of ${what}: ${messageOf(error)}`, { cause: error });
  });
}
