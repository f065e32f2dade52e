/** Entry point of the monitor's probe thread (its own bundle, so that it starts in milliseconds). */
import { workerData } from 'node:worker_threads';
import { ProbeWorkerData, runProbeWorker } from './probe-worker';

runProbeWorker(workerData as ProbeWorkerData);
