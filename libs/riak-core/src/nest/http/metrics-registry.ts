/**
 * The node's Prometheus registry: `GET /metrics` serves it, and a service built on riak-core
 * registers its own metrics in it (inject `MetricsRegistry`, then `new Gauge({ registers:
 * [registry], ... })`). One per node, not prom-client's global one, because several nodes may share
 * a process (simulations, tests).
 */
import { Injectable } from '@nestjs/common';
import { Registry } from 'prom-client';

@Injectable()
export class MetricsRegistry extends Registry {}
