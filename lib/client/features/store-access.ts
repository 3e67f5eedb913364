import type { SchedulerLike } from 'rxjs';
import { StoreError, messageOf } from '../../errors.js';
import type { Logger } from '../../types.js';
import type { FlagStore } from '../options.js';
import type { StoreLink } from './persistence.js';

/** Runs `use` with the store link: at once once it has loaded (or without a store), else when it has. */
export type WithStore = (use: (link: StoreLink | undefined) => void) => void;

/**
 * The client's way to its `store`, scoped by the transport's `identity`. The store sync is a dynamic
 * import (split off by bundlers), so an app without a store never loads it; if it cannot load, one
 * warning is logged and the client carries on as without a store.
 */
export function storeAccess(
  store: FlagStore | undefined,
  identity: string,
  scheduler: SchedulerLike,
  logger: Logger,
  report: (error: StoreError) => void,
): WithStore {
  let link: StoreLink | Promise<StoreLink | undefined> | undefined =
    store &&
    import('./persistence.js').then(
      ({ storeLink }) => (link = storeLink(store, identity, scheduler, logger, report, { StoreError, messageOf })),
      (error: unknown) => void logger.warn(`flag store unavailable: ${messageOf(error)}`),
    );
  return (use) => (link instanceof Promise ? void link.then(use) : use(link));
}
