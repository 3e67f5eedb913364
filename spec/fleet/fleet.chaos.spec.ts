/** The fleet chaos suite (spec/fleet/chaos-suite.ts) on a single redis-server. */
import { standaloneRedis } from './chaos-redis.js';
import { fleetChaosSuite } from './chaos-suite.js';

fleetChaosSuite(standaloneRedis);
