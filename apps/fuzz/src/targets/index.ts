/** Every entry point the fuzzer knows, in the order a run visits them. */
import { Target } from '../target';
import { chatTcp } from './chat-tcp';
import { clusterPreAuth } from './cluster-preauth';
import { clusterSession } from './cluster-session';
import { httpCluster } from './http-cluster';
import { httpRaw } from './http-raw';
import { httpStore } from './http-store';
import { wsChat, wsCluster, wsKv } from './websockets';

export const TARGETS: readonly Target<unknown>[] = [clusterPreAuth, clusterSession, httpStore, httpCluster, httpRaw, wsKv, wsCluster, wsChat, chatTcp];
