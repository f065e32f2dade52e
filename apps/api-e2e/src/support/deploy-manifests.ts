/**
 * The Kubernetes manifests of deploy/k8s, parsed, for tests: every YAML document of every file
 * (a document that does not parse fails the load), typed only as far as the tests read them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './cluster';

export const K8S_DIR = join(ROOT, 'deploy/k8s');

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly fieldRef?: { readonly fieldPath: string };
    readonly secretKeyRef?: { readonly name: string; readonly key: string };
  };
}

export interface Probe {
  readonly httpGet?: { readonly path: string; readonly port: string | number };
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly env?: readonly EnvVar[];
  readonly envFrom?: readonly unknown[];
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }[];
  readonly startupProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly lifecycle?: { readonly preStop?: { readonly exec?: { readonly command: readonly string[] } } };
  readonly securityContext?: { readonly allowPrivilegeEscalation?: boolean; readonly readOnlyRootFilesystem?: boolean };
}

export interface PodSpec {
  readonly serviceAccountName?: string;
  readonly terminationGracePeriodSeconds?: number;
  readonly securityContext?: { readonly runAsNonRoot?: boolean; readonly runAsUser?: number; readonly fsGroup?: number };
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly volumes?: readonly { readonly name: string; readonly secret?: { readonly secretName: string }; readonly emptyDir?: object }[];
}

export interface Metadata {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface StatefulSet {
  readonly kind: 'StatefulSet';
  readonly metadata: Metadata;
  readonly spec: {
    readonly serviceName: string;
    readonly replicas: number;
    readonly podManagementPolicy?: string;
    readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
    readonly template: { readonly metadata: Metadata & { readonly name?: string }; readonly spec: PodSpec };
    readonly volumeClaimTemplates?: readonly { readonly metadata: Metadata }[];
  };
}

export interface Service {
  readonly kind: 'Service';
  readonly metadata: Metadata;
  readonly spec: {
    readonly clusterIP?: string;
    readonly publishNotReadyAddresses?: boolean;
    readonly selector: Readonly<Record<string, string>>;
    readonly ports: readonly { readonly name: string; readonly port: number; readonly targetPort?: string | number }[];
  };
}

export interface Manifest {
  readonly kind: string;
  readonly apiVersion: string;
  readonly metadata: Metadata;
  /** the file it came from, relative to deploy/k8s */
  readonly file: string;
  readonly [field: string]: unknown;
}

/** The manifest files (kustomization.yaml aside). */
export function manifestFiles(): string[] {
  return readdirSync(K8S_DIR)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort();
}

/** Every document of every manifest file; throws on a YAML error. */
export function loadManifests(): Manifest[] {
  return manifestFiles().flatMap((file) =>
    parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8')).map((doc) => {
      if (doc.errors.length) throw new Error(`deploy/k8s/${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return { ...(doc.toJS() as Manifest), file };
    }),
  );
}

/** The one StatefulSet of the manifests. */
export function theStatefulSet(manifests: readonly Manifest[]): StatefulSet {
  const sets = manifests.filter((m) => m.kind === 'StatefulSet');
  if (sets.length !== 1) throw new Error(`expected one StatefulSet in deploy/k8s, found ${sets.length}`);
  return sets[0] as unknown as StatefulSet;
}
