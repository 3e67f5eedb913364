/** `flagstream/stores`: persistence for the client and fleet mode. */
export { redisFleet, type RedisFleetOptions, type FleetRedisClient, type FleetRedisSubscriber } from './redis-fleet.js';
export type { FleetOption } from '../client/fleet-link.js';
export type { FleetRole } from '../types.js';
