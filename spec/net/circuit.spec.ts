import { describe, expect, it } from 'vitest';
import { AuthError, CircuitOpenError, NetworkError, ProjectNotFoundError, RateLimitError, RequestError, ServerError, TimeoutError } from '../../lib/errors.js';
import { isBreakerFailure } from '../../lib/net/circuit.js';

describe('the circuit breaker', () => {
  it('counts only signs of an unwell server as failures', () => {
    expect(isBreakerFailure(new ServerError(500))).toBe(true);
    expect(isBreakerFailure(new NetworkError('down'))).toBe(true);
    expect(isBreakerFailure(new TimeoutError(10))).toBe(true);
    expect(isBreakerFailure(new AuthError(401))).toBe(false);
    expect(isBreakerFailure(new ProjectNotFoundError())).toBe(false);
    expect(isBreakerFailure(new RequestError(400))).toBe(false);
    expect(isBreakerFailure(new RateLimitError(1_000))).toBe(false);
    expect(isBreakerFailure(new CircuitOpenError())).toBe(false);
  });
});
