import type { FleetClient, FleetHost } from './fleet-contract.js';

/**
 * The fleet link's host made of the client: how a follower applies what its leader shared, what a
 * leader shares, and how a status, a role or a refused `refresh()` reach the client. It comes with
 * the fleet option, so an app without a fleet carries none of it.
 */
export function fleetHost(client: FleetClient): FleetHost {
  const { options, report, waiters } = client;
  return {
    identity: options.transport.identity!,
    contexts: client.contexts,
    status: report.status$,
    scheduler: options.scheduler,
    logger: options.logger,
    timeoutMs: options.timeoutMs,
    engine: (on) => {
      if (on) return client.runEngine();
      // A follower neither loads nor streams.
      client.running?.unsubscribe();
      client.running = undefined;
      report.streamDown();
    },
    // A follower's status follows its leader's health (`undefined`: its own again). Nothing applied
    // yet: a leader in trouble makes it `error`, else it stays `initializing`. Its own again (it leads,
    // goes solo, switches context, or its new leader is still starting), what it holds is as its last
    // leader said until a load says otherwise: the state stays, the error is its own (a leader's it
    // took over from would go out in its heartbeat). Called only when the health changed.
    mirror: (health) => {
      report.leader = health;
      report.update(client.loaded ? (health ? report.readiness() : { error: report.readiness().error }) : health && health.state !== 'ready' ? { state: 'error', error: health.error } : { state: 'initializing', error: undefined });
    },
    received: (flags) => {
      client.oneOffs?.clear(); // every record the fleet shares is a change it learned of
      const attempt = waiters.start(); // settles refresh()/identify() like a load would
      client.onLoaded(client.activeContext, { kind: 'flags', flags });
      waiters.succeeded(attempt);
    },
    // Only what the network said for this scope's context: never a bootstrap, a store record or the last context's flags.
    current: () => (client.networkContext === client.activeContext ? client.snapshot.values() : undefined),
    role: (role, event) => {
      report.update({ role });
      report.emit(event);
    },
    // Nothing shared while the leader's loads fail: the waiting calls fail, and the follower serves its
    // own store record (else the bootstrap), once per context, as its own failed first load would.
    refused: (error) => {
      if (client.closed) return;
      waiters.failed(waiters.start(), error);
      client.fallBack(error, false); // once per context: fallBack knows whether it was tried
    },
  };
}
