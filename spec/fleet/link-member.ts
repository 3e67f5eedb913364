import { BehaviorSubject, asyncScheduler, type SchedulerLike } from 'rxjs';
import { FleetLink, type FleetCoordinator, type MirroredHealth } from '../../lib/client/features/fleet-link.js';
import type { ContextSwitch } from '../../lib/client/engine/load-engine.js';
import type { ClientEvent, ClientStatus, EvalContext, EvalResult, FleetRole } from '../../lib/types.js';

/** A flag `f` with a boolean value, as a load would return it. */
export function flag(value: boolean): EvalResult {
  return { key: 'f', enabled: true, variant: String(value), value, reason: 'default', evaluatedAt: '2026-01-01T00:00:00Z', source: 'network' };
}

/**
 * One fleet member without a client: a started link on `store` and a record of what it told its
 * client (`seen`); `status` is the client's status the link reads, `identify` switches its context.
 * `scheduler` runs the link's timers (default: the real one, faked by `vi.useFakeTimers`).
 */
export function linkMember(store: FleetCoordinator, current: EvalResult[] = [flag(true)], scheduler: SchedulerLike = asyncScheduler) {
  const seen = {
    engine: false,
    roles: [] as FleetRole[],
    received: [] as EvalResult[][],
    mirrored: [] as Array<MirroredHealth | undefined>,
    /** Events other than role changes (a leader's farewell). */
    events: [] as Array<ClientEvent & { error: Error }>,
    warnings: [] as string[],
    /** Errors a `refresh()` was refused with (nothing shared yet). */
    refused: [] as Error[],
  };
  const status = new BehaviorSubject<ClientStatus>({ state: 'ready', source: 'network', circuit: 'closed', streaming: true, since: '2026-01-01T00:00:00.000Z' });
  const contexts = new BehaviorSubject<ContextSwitch>({ context: {}, first: true });
  const link = new FleetLink(store, {
    identity: 'test server',
    contexts,
    status,
    scheduler,
    timeoutMs: 1_000,
    logger: { warn: (message) => void seen.warnings.push(message), error() {} },
    engine: (on) => void (seen.engine = on),
    mirror: (health) => void seen.mirrored.push(health),
    received: (flags) => void seen.received.push(flags),
    current: () => current,
    role: (role, event) => {
      if (event.type === 'error') seen.events.push(event);
      else seen.roles.push(role);
    },
    refused: (error) => void seen.refused.push(error),
  });
  link.start();
  const identify = (context: EvalContext): void => contexts.next({ context, first: false });
  return { link, seen, status, identify, role: () => seen.roles.at(-1) };
}
