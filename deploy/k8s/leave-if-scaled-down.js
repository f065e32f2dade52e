#!/usr/bin/env node
/**
 * The preStop hook of the Ringnest StatefulSet (statefulset.yaml): this node leaves the cluster
 * when, and only when, its pod is going away for good.
 *
 * A StatefulSet scales down by lowering spec.replicas, then deleting the pods whose ordinal is at
 * or above it, highest first. So a pod whose ordinal is below the desired replicas is being
 * restarted (rolling update, eviction, drain, `kubectl delete pod`) and comes back with its
 * volume: it must stay a member, and the SIGTERM that follows this hook stops it cleanly. A pod at
 * or above it is being removed: it runs `ringnest leave` (the node hands its partitions to the
 * others and its process exits 0 when done) and waits for that exit, which ends the container.
 * The pod's terminationGracePeriodSeconds bounds the wait.
 *
 * When the StatefulSet cannot be read (missing RBAC, API unreachable) or the leave is refused,
 * the pod does not leave: it stops as in a restart and stays a member, down until someone acts.
 * Exit code 1 then shows as a FailedPreStopHook event with this script's last line.
 *
 * Environment: POD_NAME (default: the host name, which is the pod's name), POD_NAMESPACE (default:
 * the service account's namespace), RINGNEST_NODE (this node's HTTP address, default
 * 127.0.0.1:HTTP_PORT), ADMIN_TOKEN (used by `ringnest`), KUBERNETES_SERVICE_HOST and
 * KUBERNETES_SERVICE_PORT (set by Kubernetes in every container), SERVICEACCOUNT_DIR (default
 * /var/run/secrets/kubernetes.io/serviceaccount: token, ca.crt, namespace).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const { hostname } = require('node:os');
const { join } = require('node:path');

const env = process.env;
const serviceAccountDir = env.SERVICEACCOUNT_DIR || '/var/run/secrets/kubernetes.io/serviceaccount';
const nodeAddress = env.RINGNEST_NODE || `127.0.0.1:${env.HTTP_PORT || '4000'}`;
// The CLI script at the root of the image (/app/ringnest) and of a checkout.
const ringnestCli = join(__dirname, '..', '..', 'ringnest');

function log(line) {
  process.stderr.write(`leave-if-scaled-down: ${line}\n`);
}

function getJson(url, options) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...options, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body;
        try {
          body = JSON.parse(text);
        } catch {
          body = { message: text.slice(0, 200) };
        }
        resolve({ status: res.statusCode, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
  });
}

/** The StatefulSet's spec.replicas; undefined when the StatefulSet no longer exists. */
async function desiredReplicas(namespace, statefulSet) {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) throw new Error('KUBERNETES_SERVICE_HOST is not set');
  const port = env.KUBERNETES_SERVICE_PORT || '443';
  const token = readFileSync(join(serviceAccountDir, 'token'), 'utf8').trim();
  const ca = readFileSync(join(serviceAccountDir, 'ca.crt'));
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const url = `https://${authority}/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/statefulsets/${encodeURIComponent(statefulSet)}`;
  const { status, body } = await getJson(url, { ca, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  if (status === 404) return undefined;
  if (status !== 200) throw new Error(`HTTP ${status}${body && body.message ? `: ${body.message}` : ''}`);
  const replicas = body && body.spec ? body.spec.replicas : undefined;
  // Kubernetes defaults an unset spec.replicas to 1.
  return typeof replicas === 'number' ? replicas : 1;
}

/** Whether this node still answers its liveness route. */
function nodeAnswers() {
  return new Promise((resolve) => {
    const req = http.get(`http://${nodeAddress}/health`, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}

async function main() {
  const pod = env.POD_NAME || hostname();
  const match = /^(.+)-(\d+)$/.exec(pod);
  if (!match) {
    log(`${pod} is not named <statefulset>-<ordinal>: stopping without leaving`);
    return 1;
  }
  const statefulSet = match[1];
  const ordinal = Number(match[2]);
  let namespace;
  let replicas;
  try {
    namespace = env.POD_NAMESPACE || readFileSync(join(serviceAccountDir, 'namespace'), 'utf8').trim();
    replicas = await desiredReplicas(namespace, statefulSet);
  } catch (err) {
    log(`cannot read StatefulSet ${namespace ?? '?'}/${statefulSet} (${err.message}): stopping without leaving`);
    return 1;
  }
  if (replicas === undefined) {
    log(`StatefulSet ${namespace}/${statefulSet} is being deleted: stopping without leaving`);
    return 0;
  }
  if (ordinal < replicas) {
    log(`${pod} is within the ${replicas} desired replicas: a restart, stopping without leaving`);
    return 0;
  }
  log(`${pod} is beyond the ${replicas} desired replicas: leaving the cluster`);
  const leave = spawnSync(ringnestCli, ['--node', nodeAddress, 'leave'], { stdio: 'inherit' });
  if (leave.status !== 0) {
    const why = leave.error ? leave.error.message : `exit ${leave.status ?? leave.signal}`;
    log(`ringnest leave failed (${why}): stopping without leaving`);
    return 1;
  }
  // The node process exits once it owns nothing; in a pod that also ends this hook.
  while (await nodeAnswers()) await new Promise((resolve) => setTimeout(resolve, 1000));
  log(`${pod} has left the cluster`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log(err && err.stack ? err.stack : String(err));
    process.exit(1);
  },
);
