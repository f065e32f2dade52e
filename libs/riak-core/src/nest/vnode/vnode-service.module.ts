/**
 * Registering a service: a vnode class (or factory) under a service reference (`defineService`).
 * Import `VnodeServiceModule.register({ service, vnode })` next to `RiakCoreModule.forRoot(...)`; the node
 * then runs that service's vnodes and announces the service to the cluster. A vnode class is
 * created through Nest (`ModuleRef.create`), so it can inject providers of `providers`/`imports`.
 */
import { DynamicModule, Module, ModuleMetadata, Provider, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AnyServiceRef, AntiEntropyHooks, PartitionIndex, Vnode } from '../../lib';
import { ServiceRegistry } from './service-registry';

export interface VnodeServiceOptions {
  /** the service: its reference (`defineService`), or, untyped, its name */
  readonly service?: AnyServiceRef;
  readonly name?: string;
  /** the vnode class, instantiated once per partition (and again after a crash) */
  readonly vnode?: Type<Vnode>;
  /** or a factory */
  readonly factory?: () => Vnode | Promise<Vnode>;
  /** commands waiting per vnode before new ones are refused with `overload` (default 1000) */
  readonly queueLimit?: number;
  /** a provider (resolved from `providers`/`imports`) whose `partitionsWithData()` lists partitions with data on this node */
  readonly storedPartitionsFrom?: Type<{ partitionsWithData(): Promise<readonly PartitionIndex[]> }>;
  /**
   * Opt into active anti-entropy: a provider (resolved from `providers`/`imports`) with the
   * service's key → partition mapping and its repair of one key; the vnodes then implement
   * `foldDigests` and report writes with `ctx.updateHashtree` (libs/riak-core/docs/aae.md)
   */
  readonly antiEntropy?: Type<AntiEntropyHooks>;
  readonly imports?: ModuleMetadata['imports'];
  readonly providers?: Provider[];
}

@Module({})
export class VnodeServiceModule {
  static register(opts: VnodeServiceOptions): DynamicModule {
    const name = opts.service?.name ?? opts.name;
    if (!name || (opts.service && opts.name && opts.name !== opts.service.name)) throw new Error('VnodeServiceModule.register: give the service (a reference) or its name');
    if (!opts.vnode === !opts.factory) throw new Error(`service '${name}': give exactly one of vnode or factory`);
    const token = `RINGNEST_SERVICE:${name}`;
    const registrar: Provider = {
      provide: token,
      inject: [ServiceRegistry, ModuleRef],
      useFactory: (registry: ServiceRegistry, moduleRef: ModuleRef) => {
        const vnode = opts.vnode;
        const create = vnode ? () => moduleRef.create(vnode) : (opts.factory as () => Vnode | Promise<Vnode>);
        const source = opts.storedPartitionsFrom;
        const storedPartitions = source ? () => moduleRef.get(source, { strict: false }).partitionsWithData() : undefined;
        const hooks = opts.antiEntropy;
        const antiEntropy = hooks ? () => moduleRef.get(hooks, { strict: false }) : undefined;
        registry.register({ name, create, queueLimit: opts.queueLimit, storedPartitions, antiEntropy });
        return name;
      },
    };
    return {
      module: VnodeServiceModule,
      imports: opts.imports ?? [],
      providers: [...(opts.providers ?? []), registrar],
      exports: [token],
    };
  }
}
