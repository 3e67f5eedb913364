/** The client a one-request command (`eval`, `types --server`) talks through. */
import { createFlagClient, type FlagClient } from '../client/client.js';
import type { Transport } from '../transports/transport.js';
import type { EvalContext } from '../types.js';
import { stderrLogger } from './log.js';

/**
 * A client that sends only what the command asks for: no stream, no polling, no circuit breaker.
 * The command prints its failure itself (one line), so the client's own "stopped: …" line is muted.
 */
export function oneShotClient(transport: Transport, context: EvalContext, timeoutMs: number | undefined): FlagClient {
  return createFlagClient({
    transport,
    context,
    streaming: false,
    pollIntervalMs: 0,
    timeoutMs,
    circuitBreaker: false,
    logger: { ...stderrLogger, error: () => undefined },
  });
}
