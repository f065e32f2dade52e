/**
 * The production deployment files agree with each other and with the node: the Kubernetes
 * manifests (deploy/k8s), the systemd unit and its environment file (deploy/systemd), the
 * Dockerfile and its .dockerignore. Every variable they set is one the README's configuration
 * table documents. Static checks: nothing is started.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT } from './support/cluster';
import { Container, EnvVar, K8S_DIR, Service, StatefulSet, loadManifests, manifestFiles, theStatefulSet } from './support/deploy-manifests';
import { dockerIgnoreMatcher, envAssignments, parseDockerfile } from './support/dockerfile';

const TABLE_START = '<!-- config-table:start -->';
const TABLE_END = '<!-- config-table:end -->';

/** The variables of README.md's configuration table: the backticked names of each row's first cell. */
function documentedVariables(): Set<string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no configuration table between ${TABLE_START} and ${TABLE_END}`);
  const names = new Set<string>();
  for (const row of readme.slice(start + TABLE_START.length, end).split('\n')) {
    if (!row.trim().startsWith('|')) continue;
    const firstCell = row.trim().slice(1).split('|')[0];
    for (const m of firstCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(m[1]);
  }
  if (names.size === 0) throw new Error('README.md\'s configuration table names no variable');
  return names;
}

function env(container: Container): Map<string, EnvVar> {
  return new Map((container.env ?? []).map((e) => [e.name, e]));
}

/** The value of a plain variable, with `$(NAME)` references to other plain variables expanded. */
function plainValue(vars: Map<string, EnvVar>, name: string, given: Record<string, string> = {}): string {
  const v = vars.get(name);
  if (v?.value === undefined) throw new Error(`${name} has no plain value`);
  return v.value.replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (_m, ref: string) => given[ref] ?? plainValue(vars, ref, given));
}

/** `KEY=value` lines of an environment file (comments and blank lines aside). */
function envFileNames(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(l);
      if (!m) throw new Error(`not a KEY=value line: ${l}`);
      return m[1];
    });
}

/** The settings of a systemd unit's [Service] section, each key with every value it was given. */
function serviceSection(unit: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1];
    else if (section === 'Service') {
      const eq = line.indexOf('=');
      out.set(line.slice(0, eq), [...(out.get(line.slice(0, eq)) ?? []), line.slice(eq + 1)]);
    }
  }
  return out;
}

describe('deployment files', () => {
  const manifests = loadManifests();
  const sts = theStatefulSet(manifests);
  const pod = sts.spec.template.spec;
  const [container] = pod.containers;
  const vars = env(container);
  const services = manifests.filter((m) => m.kind === 'Service') as unknown as Service[];
  const headless = services.find((s) => s.metadata.name === sts.spec.serviceName);
  const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const runtimeStage = dockerfile[dockerfile.length - 1];
  const unit = serviceSection(readFileSync(join(ROOT, 'deploy/systemd/ringnest-api@.service'), 'utf8'));
  const envExample = envFileNames(readFileSync(join(ROOT, 'deploy/systemd/ringnest-api.env.example'), 'utf8'));

  describe('Kubernetes', () => {
    it('kustomization.yaml lists every manifest file', () => {
      const kustomization = parseYaml(readFileSync(join(K8S_DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
      expect([...kustomization.resources].sort()).toEqual(manifestFiles());
    });

    it('runs one node container per pod of a StatefulSet, behind a headless Service that publishes unready pods', () => {
      expect(pod.containers).toHaveLength(1);
      expect(sts.spec.podManagementPolicy ?? 'OrderedReady').toBe('OrderedReady');
      expect(headless).toBeDefined();
      expect(headless?.spec.clusterIP).toBe('None');
      // joiners must resolve pod 0 before it is ready, which is only once it is a member
      expect(headless?.spec.publishNotReadyAddresses).toBe(true);
      const podLabels = sts.spec.template.metadata.labels ?? {};
      expect(podLabels).toMatchObject(sts.spec.selector.matchLabels);
      for (const s of services) expect(podLabels).toMatchObject(s.spec.selector);
      for (const s of services) for (const p of s.spec.ports) expect(container.ports?.map((c) => c.name)).toContain(p.targetPort);
    });

    it('listens on the ports the image exposes, and the variables say so', () => {
      const ports = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
      expect(ports.get('http')).toBe(Number(plainValue(vars, 'HTTP_PORT')));
      expect(ports.get('cluster')).toBe(Number(plainValue(vars, 'CLUSTER_PORT')));
      const exposed = runtimeStage.instructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map(Number));
      expect([...ports.values()].sort()).toEqual(exposed.sort());
    });

    it('names each node by its pod\'s DNS name, and pod 0 recognises JOIN as its own address', () => {
      expect(vars.get('POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
      expect(vars.get('POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.namespace');
      const fieldRefs = { POD_NAME: `${sts.metadata.name}-2`, POD_NAMESPACE: 'prod' };
      expect(plainValue(vars, 'RINGNEST_NAME', fieldRefs)).toBe(`api@${sts.metadata.name}-2.${sts.spec.serviceName}.prod.svc.cluster.local`);
      // the node starts the cluster when JOIN is its own cluster address (host of its name : CLUSTER_PORT)
      const pod0 = { POD_NAME: `${sts.metadata.name}-0`, POD_NAMESPACE: 'prod' };
      const pod0Host = plainValue(vars, 'RINGNEST_NAME', pod0).split('@')[1];
      expect(plainValue(vars, 'JOIN', pod0)).toBe(`${pod0Host}:${plainValue(vars, 'CLUSTER_PORT')}`);
    });

    it('binds every interface with the secrets from a Secret and TLS on the cluster port from mounted files', () => {
      expect(plainValue(vars, 'BIND')).toBe('0.0.0.0');
      for (const secret of ['CLUSTER_SECRET', 'ADMIN_TOKEN']) {
        expect(vars.get(secret)?.value).toBeUndefined();
        expect(vars.get(secret)?.valueFrom?.secretKeyRef).toEqual({ name: expect.any(String), key: expect.any(String) });
      }
      expect(vars.has('CLUSTER_INSECURE')).toBe(false);
      const secretVolumes = new Set((pod.volumes ?? []).filter((v) => v.secret).map((v) => v.name));
      const secretMounts = (container.volumeMounts ?? []).filter((m) => secretVolumes.has(m.name));
      for (const name of ['CLUSTER_TLS_CERT', 'CLUSTER_TLS_KEY', 'CLUSTER_TLS_CA']) {
        const path = plainValue(vars, name);
        expect(secretMounts.some((m) => m.readOnly && path.startsWith(`${m.mountPath}/`))).toBe(true);
      }
    });

    it('keeps DATA_DIR on the pod\'s own volume', () => {
      const claims = new Set((sts.spec.volumeClaimTemplates ?? []).map((c) => c.metadata.name));
      const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === plainValue(vars, 'DATA_DIR'));
      expect(mount && claims.has(mount.name)).toBe(true);
    });

    it('probes readiness on /ready and liveness on /health', () => {
      expect(container.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'http' });
      expect(container.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(container.startupProbe?.httpGet?.path ?? '/health').toBe('/health');
    });

    it('leaves the cluster before a scale-down removes a pod, with minutes of grace for the handoff', () => {
      const command = container.lifecycle?.preStop?.exec?.command ?? [];
      expect(command).toEqual(['node', '/app/deploy/k8s/leave-if-scaled-down.js']);
      expect(existsSync(join(ROOT, command[1].replace(/^\/app\//, '')))).toBe(true);
      // the node itself stops within 15 s of SIGTERM; the grace period is for handing off its data
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(300);
      // the hook reads the StatefulSet: the pod's service account may, and may do nothing else
      const role = manifests.find((m) => m.kind === 'Role') as unknown as { metadata: { name: string }; rules: unknown[] };
      expect(role.rules).toEqual([{ apiGroups: ['apps'], resources: ['statefulsets'], resourceNames: [sts.metadata.name], verbs: ['get'] }]);
      const binding = manifests.find((m) => m.kind === 'RoleBinding') as unknown as { roleRef: { kind: string; name: string }; subjects: { kind: string; name: string }[] };
      expect(binding.roleRef).toMatchObject({ kind: 'Role', name: role.metadata.name });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: pod.serviceAccountName }]);
      expect(manifests.some((m) => m.kind === 'ServiceAccount' && m.metadata.name === pod.serviceAccountName)).toBe(true);
    });

    it('lets voluntary disruptions take one pod at a time', () => {
      const pdb = manifests.find((m) => m.kind === 'PodDisruptionBudget') as unknown as { spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } };
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(pdb.spec.selector.matchLabels).toEqual(sts.spec.selector.matchLabels);
    });

    it('runs as the image\'s non-root user without privileges', () => {
      const user = runtimeStage.instructions.filter((i) => i.keyword === 'USER').pop()?.args ?? '';
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: Number(user.split(':')[0]), fsGroup: Number(user.split(':')[1]) });
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    });
  });

  describe('systemd', () => {
    it('restarts a crashed node, not one that stopped or was misconfigured, and waits for a clean stop', () => {
      expect(unit.get('Restart')).toEqual(['on-failure']);
      expect(unit.get('RestartPreventExitStatus')).toEqual(['2']);
      expect(unit.get('KillSignal')).toEqual(['SIGTERM']);
      // longer than the 15 s after which a node forces its own exit
      expect(Number(unit.get('TimeoutStopSec')?.[0])).toBeGreaterThan(15);
      expect(unit.get('ExecStart')?.[0]).toMatch(/\/dist\/apps\/api\/main\.js$/);
      expect(unit.get('EnvironmentFile')).toEqual(['/etc/ringnest/%i.env']);
      expect(unit.get('NoNewPrivileges')).toEqual(['yes']);
      expect(unit.get('ProtectSystem')).toEqual(['strict']);
    });

    it('has an example environment with a public bind, its secrets and TLS', () => {
      expect(envExample).toEqual(expect.arrayContaining(['RINGNEST_NAME', 'BIND', 'CLUSTER_SECRET', 'ADMIN_TOKEN', 'CLUSTER_TLS_CERT', 'CLUSTER_TLS_KEY', 'CLUSTER_TLS_CA', 'JOIN']));
      expect(envExample).not.toContain('CLUSTER_INSECURE');
    });
  });

  it('sets only variables that the README\'s configuration table documents', () => {
    const documented = documentedVariables();
    const set: { where: string; name: string }[] = [];
    for (const m of manifests) {
      const spec = (m as unknown as StatefulSet).spec?.template?.spec;
      for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
        expect(c.envFrom).toBeUndefined();
        const all = c.env ?? [];
        const referenced = all.map((e) => e.value ?? '').join(' ');
        for (const e of all) {
          // a field of the pod, there only to be expanded into another variable's value
          if (e.valueFrom?.fieldRef && referenced.includes(`$(${e.name})`)) continue;
          set.push({ where: `deploy/k8s/${m.file} ${c.name}`, name: e.name });
        }
      }
    }
    for (const value of unit.get('Environment') ?? []) {
      for (const [name] of envAssignments(value)) set.push({ where: 'ringnest-api@.service', name });
    }
    for (const name of envExample) set.push({ where: 'ringnest-api.env.example', name });
    // the runtime image's environment, PATH aside (it only puts the CLI on the path)
    for (const i of runtimeStage.instructions.filter((x) => x.keyword === 'ENV')) {
      for (const [name] of envAssignments(i.args)) if (name !== 'PATH') set.push({ where: 'Dockerfile', name });
    }
    expect(set.length).toBeGreaterThan(10);
    expect(set.filter((s) => !documented.has(s.name))).toEqual([]);
  });

  it('keeps everything git ignores out of the Docker build context', () => {
    const ignoredByDocker = dockerIgnoreMatcher(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
    const present = execFileSync('git', ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean);
    // a checkout that has been installed and built has at least these
    expect(present).toEqual(expect.arrayContaining(['node_modules/', 'dist/']));
    expect(present.filter((p) => !ignoredByDocker(p))).toEqual([]);
    expect(ignoredByDocker('.git/HEAD')).toBe(true);
    for (const kept of ['package-lock.json', 'apps/api/src/main.ts', 'deploy/k8s/leave-if-scaled-down.js', 'ringnest']) expect(ignoredByDocker(kept)).toBe(false);
  });
});
