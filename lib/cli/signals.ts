/** Waiting for Ctrl+C. */

/** Resolves on the first SIGINT or SIGTERM; `signal` aborting stops listening (the promise then never resolves). */
export function untilSignal(signal?: AbortSignal): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (): void => void process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    const onSignal = (received: NodeJS.Signals): void => {
      stop();
      resolve(received);
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    signal?.addEventListener('abort', stop, { once: true });
  });
}
