/**
 * Separate hosts on one machine: one Linux network namespace per node, each with its own address on
 * a bridge in the root namespace (where the harness and its clients run), joined by a veth pair.
 * Partitions are real: a node's link taken down cuts it from everyone; a blackhole route in a
 * node's namespace drops what it sends to one peer (TCP then fails both ways, as a cut cable
 * would). Needs root and iproute2; `netnsProblem()` says in one line why not when they are missing.
 *
 * Every name carries the run's id, so concurrent runs do not meet and `remove()` (also run on
 * exit) deletes exactly what this run made.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => existsSync(p));

function ip(args: readonly string[]): string {
  if (!IP) throw new Error('iproute2 (ip) is not installed');
  return execFileSync(IP, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** Why namespaces cannot be used here, or undefined when they can. */
export function netnsProblem(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (!IP) return 'iproute2 (ip) is not installed';
  if (process.getuid?.() !== 0) return 'network namespaces need root (run as root, or use --net loopback)';
  const probe = `rnprobe${process.pid}`;
  try {
    ip(['netns', 'add', probe]);
    ip(['netns', 'del', probe]);
    return undefined;
  } catch (err) {
    return `cannot create a network namespace: ${(err as Error).message.split('\n')[0]}`;
  }
}

export interface Host {
  readonly ns: string;
  readonly address: string;
  /** the veth end inside the namespace */
  readonly dev: string;
}

export class NamespaceNet {
  readonly hosts: Host[] = [];
  readonly bridge: string;
  /** the bridge's own address: the harness reaches the hosts through it */
  readonly gateway: string;
  private readonly blocked = new Set<string>();
  private removed = false;

  /** `subnet` is the first three octets, e.g. '10.231.7'; hosts get .1, .2, ... */
  constructor(
    private readonly id: string,
    count: number,
    private readonly subnet: string,
  ) {
    this.bridge = `rnbr${id}`;
    this.gateway = `${subnet}.254`;
    process.on('exit', () => this.remove());
    try {
      ip(['link', 'add', this.bridge, 'type', 'bridge']);
      ip(['addr', 'add', `${this.gateway}/24`, 'dev', this.bridge]);
      ip(['link', 'set', this.bridge, 'up']);
      for (let i = 0; i < count; i++) this.addHost(i);
    } catch (err) {
      this.remove();
      throw err;
    }
  }

  private addHost(i: number): void {
    const ns = `rn${this.id}n${i}`;
    const outside = `rv${this.id}h${i}`;
    const dev = `rv${this.id}n${i}`;
    const address = `${this.subnet}.${i + 1}`;
    ip(['netns', 'add', ns]);
    this.hosts.push({ ns, address, dev });
    ip(['link', 'add', outside, 'type', 'veth', 'peer', 'name', dev]);
    ip(['link', 'set', dev, 'netns', ns]);
    ip(['link', 'set', outside, 'master', this.bridge]);
    ip(['link', 'set', outside, 'up']);
    ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', dev]);
    ip(['-n', ns, 'link', 'set', dev, 'up']);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  }

  /** The command prefix that runs a program inside host i's namespace (the program keeps its PID). */
  exec(i: number): string[] {
    return [IP as string, 'netns', 'exec', this.hosts[i].ns];
  }

  /** Take host i's link down (it is cut from every other host and from the harness) or up again. */
  link(i: number, up: boolean): void {
    ip(['-n', this.hosts[i].ns, 'link', 'set', this.hosts[i].dev, up ? 'up' : 'down']);
  }

  /** Drop everything host `from` sends to host `to` (a blackhole route in `from`'s namespace). */
  block(from: number, to: number): void {
    const k = `${from}>${to}`;
    if (this.blocked.has(k)) return;
    ip(['-n', this.hosts[from].ns, 'route', 'add', 'blackhole', `${this.hosts[to].address}/32`]);
    this.blocked.add(k);
  }

  unblock(from: number, to: number): void {
    const k = `${from}>${to}`;
    if (!this.blocked.delete(k)) return;
    ip(['-n', this.hosts[from].ns, 'route', 'del', 'blackhole', `${this.hosts[to].address}/32`]);
  }

  /** Every link up and every route back: the network as it was created. */
  heal(): void {
    for (const k of [...this.blocked]) {
      const [from, to] = k.split('>').map(Number);
      this.unblock(from, to);
    }
    this.hosts.forEach((_, i) => this.link(i, true));
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    for (const h of this.hosts) {
      try {
        ip(['netns', 'del', h.ns]); // takes its veth pair with it
      } catch {
        /* already gone */
      }
    }
    try {
      ip(['link', 'del', this.bridge]);
    } catch {
      /* already gone */
    }
  }
}
