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
  const userId = context?.targetingKey;
  // A field left undefined is one the event does not have (the client reads it so).
  return {
    flagKey: flagKey as string,
    eventName,
    userId: typeof userId === 'string' && userId !== '' ? userId : undefined,
    variationId: variant as string | undefined,
    value,
    metadata: Object.keys(rest).length > 0 ? (rest as Record<string, JsonValue>) : undefined,
  };
}
