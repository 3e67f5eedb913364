import type { EvaluationContext, TrackingEventDetails } from '@openfeature/core';
import type { JsonValue, TrackEvent } from '../types.js';

/**
 * An OpenFeature tracking call as a flagstream event: `eventName` is the tracking event's name, the
 * user the context's `targetingKey` (else the client's own), `flagKey` and `variant` come from the
 * details (`flagKey` is required where events are sent: Rollgate files every event under a flag),
 * `value` is the details' number, and every other detail goes to `metadata` (dates as ISO text).
 */
export function toTrackEvent(eventName: string, context: EvaluationContext, details: TrackingEventDetails): TrackEvent {
  const { flagKey, variant, value, ...rest } = details ?? {};
  const event: TrackEvent = { flagKey: flagKey as string, eventName };
  if (typeof context?.targetingKey === 'string' && context.targetingKey !== '') event.userId = context.targetingKey;
  if (variant !== undefined) event.variationId = variant as string;
  if (value !== undefined) event.value = value;
  if (Object.keys(rest).length > 0) event.metadata = rest as Record<string, JsonValue>;
  return event;
}
