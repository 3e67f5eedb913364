import { ConfigError } from '../../errors.js';
import type { JsonValue, TrackEvent, TrackedEvent } from '../../types.js';

/**
 * Validates a `track()` argument and copies it (metadata deep-copied, so later mutation changes
 * nothing queued). `userId` defaults to the context's. Throws `ConfigError` naming the bad field.
 */
export function trackedEvent(event: TrackEvent, contextUserId: string | undefined, timestamp: string): TrackedEvent {
  if (typeof event !== 'object' || event === null) throw new ConfigError('event', 'must be an object');
  const text = (value: unknown, field: string): string => {
    if (typeof value !== 'string' || value === '') throw new ConfigError(`event.${field}`, 'is required (a non-empty string)');
    return value;
  };
  const tracked: TrackedEvent = {
    flagKey: text(event.flagKey, 'flagKey'),
    eventName: text(event.eventName, 'eventName'),
    userId: text(event.userId ?? contextUserId, 'userId'),
    timestamp,
  };
  if (event.variationId !== undefined) tracked.variationId = text(event.variationId, 'variationId');
  if (event.value !== undefined) {
    if (typeof event.value !== 'number' || !Number.isFinite(event.value)) throw new ConfigError('event.value', 'must be a finite number');
    tracked.value = event.value;
  }
  if (event.metadata !== undefined) {
    const { metadata } = event;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new ConfigError('event.metadata', 'must be an object');
    }
    try {
      tracked.metadata = JSON.parse(JSON.stringify(metadata)) as Record<string, JsonValue>;
    } catch {
      throw new ConfigError('event.metadata', 'must be JSON-serializable');
    }
  }
  return tracked;
}
