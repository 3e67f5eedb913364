import type { RequestGate } from '../../lib/transports/gate.js';

/** A scripted gate: refuses with `refusal` when set, records every outcome. */
export class FakeGate implements RequestGate {
  refusal: Error | undefined;
  admitted = 0;
  readonly outcomes: Array<Error | undefined> = [];
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  admit(): Error | undefined {
    this.admitted++;
    return this.refusal;
  }
  record(outcome?: Error): void {
    this.outcomes.push(outcome);
  }
  close(): void {
    this.controller.abort();
  }
}
