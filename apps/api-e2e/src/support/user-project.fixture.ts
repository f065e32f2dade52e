/**
 * The project of a toolkit user, written into a scratch directory by the packaging e2e: a vnode
 * service (the README's "Build your own service"), the replicated KV store of @ringnest/coord-kv,
 * a node process and a simulated-cluster run. It imports only the published packages and Nest, so
 * it compiles only against what the packages export.
 */
export const USER_PROJECT_FILES: Readonly<Record<string, string>> = {
  'tsconfig.json': `{
  "compilerOptions": {
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "target": "es2022",
    "lib": ["es2023"],
    "types": ["node"],
    "strict": true,
    "experimentalDecorators": true,
    "emitDecoratorMetadata": true,
    "outDir": "dist",
    "rootDir": "src"
  },
  "include": ["src/**/*.ts"]
}
`,
  'src/tally.vnode.ts': `/** One vnode per partition: counts the hits of each key that hashes to it and says where it runs. */
import { CommandResult, Vnode, VnodeContext, reply } from '@ringnest/riak-core';

export interface HitCommand {
  readonly key: string;
}

export interface Tally {
  readonly key: string;
  /** hits of this key on this vnode, this one included (in memory: a moved partition starts again at 0) */
  readonly hits: number;
  /** the partition id, in decimal */
  readonly partition: string;
  readonly node: string;
}

export class TallyVnode implements Vnode<HitCommand, Tally> {
  private ctx!: VnodeContext;
  private readonly hits = new Map<string, number>();

  init(ctx: VnodeContext): void {
    this.ctx = ctx;
  }

  handleCommand(command: HitCommand): CommandResult<Tally> {
    const hits = (this.hits.get(command.key) ?? 0) + 1;
    this.hits.set(command.key, hits);
    return reply({ key: command.key, hits, partition: this.ctx.partition.toString(), node: this.ctx.node });
  }
}
`,
  'src/tally.service.ts': `/** Routes a hit to the first vnode of the key's preference list, on whichever node runs it. */
import { Injectable } from '@nestjs/common';
import { PreflistService, VnodeMaster, defineService } from '@ringnest/riak-core';
import { HitCommand, Tally } from './tally.vnode';

/** The service, typed: a hit answers a tally. */
export const TALLY = defineService<[HitCommand, Tally]>('tally');

@Injectable()
export class TallyService {
  constructor(
    private readonly preflists: PreflistService,
    private readonly master: VnodeMaster,
  ) {}

  hit(key: string): Promise<Tally> {
    const [first] = this.preflists.apl(TALLY, TALLY.name, key, 1);
    return this.master.syncCommand(first, TALLY, { key });
  }
}
`,
  'src/tally.controller.ts': `/** GET /api/tally/:key: one hit of the key, answered by the vnode that owns it. */
import { Controller, Get, Param, UsePipes, ValidationPipe } from '@nestjs/common';
import { IsString, Length } from 'class-validator';
import { TallyService } from './tally.service';
import { Tally } from './tally.vnode';

export class TallyParams {
  @IsString()
  @Length(1, 64)
  key!: string;
}

@Controller('api/tally')
@UsePipes(new ValidationPipe({ whitelist: true }))
export class TallyController {
  constructor(private readonly tally: TallyService) {}

  @Get(':key')
  hit(@Param() params: TallyParams): Promise<Tally> {
    return this.tally.hit(params.key);
  }
}
`,
  'src/tally.module.ts': `/** The tally service: its vnode registered as TALLY, its router and its route. */
import { Module } from '@nestjs/common';
import { VnodeServiceModule } from '@ringnest/riak-core';
import { TallyController } from './tally.controller';
import { TALLY, TallyService } from './tally.service';
import { TallyVnode } from './tally.vnode';

@Module({
  imports: [VnodeServiceModule.register({ service: TALLY, vnode: TallyVnode })],
  providers: [TallyService],
  controllers: [TallyController],
  exports: [TallyService],
})
export class TallyModule {}
`,
  'src/notes.controller.ts': `/** PUT/GET /api/notes/:key: values replicated on 3 vnodes by the quorum coordinators (N=3, W=3, R=3). */
import { BadRequestException, Body, Controller, Get, NotFoundException, Param, Put, UseFilters } from '@nestjs/common';
import { KvHttpErrorsFilter, KvService, QuorumOptions, checkQuorum } from '@ringnest/coord-kv';

@Controller('api/notes')
@UseFilters(KvHttpErrorsFilter)
export class NotesController {
  constructor(private readonly kv: KvService) {}

  @Put(':key')
  async put(@Param('key') key: string, @Body() body: unknown): Promise<{ acks: number }> {
    const { acks } = await this.kv.store(key, body, this.quorum());
    return { acks };
  }

  @Get(':key')
  async get(@Param('key') key: string): Promise<{ value: unknown }> {
    const found = await this.kv.fetch(key, this.quorum());
    if (found.kind === 'not-found') throw new NotFoundException(key + ' not found');
    return { value: found.value };
  }

  private quorum(): QuorumOptions {
    const check = checkQuorum({ n: 3, w: 3, r: 3 }, this.kv.ringSize());
    if (!check.ok) throw new BadRequestException(check.message);
    return check.options;
  }
}
`,
  'src/app.module.ts': `/** A node of the user's cluster: the riak_core runtime, the tally service and the replicated notes. */
import { DynamicModule, Module } from '@nestjs/common';
import { KvModule } from '@ringnest/coord-kv';
import { NodeConfig, RiakCoreModule, RuntimeOptions } from '@ringnest/riak-core';
import { NotesController } from './notes.controller';
import { TallyModule } from './tally.module';

@Module({})
export class AppModule {
  static register(config: NodeConfig, runtime: Partial<RuntimeOptions> = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [RiakCoreModule.forRoot({ config, runtime }), TallyModule, KvModule],
      controllers: [NotesController],
    };
  }
}
`,
  'src/main.ts': `/** One node process, configured by RINGNEST_NAME, HTTP_PORT, CLUSTER_PORT, DATA_DIR, JOIN, ... */
import 'reflect-metadata';
import { runFromEnv } from '@ringnest/riak-core';
import { AppModule } from './app.module';

runFromEnv({ app: 'tally', httpPort: 4000, clusterPort: 9000 }, (config, runtime) => ({ module: AppModule.register(config, runtime) }));
`,
  'src/sim.ts': `/** The same service on a simulated three-node cluster in this process; prints what every node answered. */
import 'reflect-metadata';
import { KvModule, KvService, DEFAULT_QUORUM } from '@ringnest/coord-kv';
import { SimulatedCluster } from '@ringnest/riak-core/testing';
import { TallyModule } from './tally.module';
import { TallyService } from './tally.service';

async function main(): Promise<void> {
  const cluster = new SimulatedCluster({ ringSize: 16, imports: () => [{ module: TallyModule }, { module: KvModule }] });
  try {
    for (const name of ['a', 'b', 'c']) await cluster.start(name);
    await cluster.joinAll();
    await cluster.settled();
    const nodes = [...cluster.nodes.values()];
    const tallies = [];
    for (const node of nodes) tallies.push(await node.get(TallyService).hit('sim-key'));
    await nodes[0].get(KvService).store('note', { text: 'hello' }, DEFAULT_QUORUM);
    const fetched = await nodes[2].get(KvService).fetch('note', DEFAULT_QUORUM);
    console.log(JSON.stringify({ members: nodes.map((n) => n.name), tallies, note: fetched.kind === 'found' ? fetched.value : null }));
  } finally {
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
`,
};
