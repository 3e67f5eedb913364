/**
 * The fleet chaos suite (spec/fleet/chaos-suite.ts) on a 3-master Redis Cluster: one fleet whose
 * members alternate node-redis `createCluster` and ioredis `Cluster`, so both cluster clients go
 * through every fault in one run.
 */
import { clusterRedis } from './chaos-redis.js';
import { fleetChaosSuite } from './chaos-suite.js';

fleetChaosSuite(clusterRedis(['node-redis cluster', 'ioredis cluster']));
