import { type Observable, switchMap, throwError, timer } from 'rxjs';
import type { EvalContext } from '../../lib/index.js';
import type { TestSource } from '../../lib/testing/index.js';
import type { StreamMessage, Transport } from '../../lib/transports/transport.js';

/**
 * A transport on `source` whose change stream opens (or, with `failWith`, fails) only after
 * `afterMs` on the client's scheduler: a slow proxy or a cold server, the case where the client's
 * 1 s wait for the stream runs out. Used by the fresh-bootstrap specs of the core and the Angular entry.
 */
export function slowStream(source: TestSource, afterMs: number, failWith?: Error): Transport {
  return {
    kind: 'test',
    connect(runtime) {
      const session = source.connect(runtime);
      const opened = (context: EvalContext): Observable<StreamMessage> => (failWith ? throwError(() => failWith) : session.stream!(context));
      return { ...session, stream: (context) => timer(afterMs, runtime.scheduler).pipe(switchMap(() => opened(context))) };
    },
  };
}
