/**
 * Baseline for `npm run bench -- http`: one Nest 11 process on fastify keeping values in a Map,
 * with the store routes' shape (`PUT`/`GET /api/store/:key`, JSON bodies): the framework's cost
 * without replication or disk. Listens on 127.0.0.1:$PORT.
 */
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, NotFoundException, Param, Put } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller()
class MapStoreController {
  private readonly store = new Map<string, unknown>();

  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Put('api/store/:key')
  @HttpCode(200)
  put(@Param('key') key: string, @Body() value: unknown) {
    this.store.set(key, value);
    return { ok: true };
  }

  @Get('api/store/:key')
  get(@Param('key') key: string) {
    if (!this.store.has(key)) throw new NotFoundException();
    return { value: this.store.get(key) };
  }
}

@Module({ controllers: [MapStoreController] })
class MapStoreModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(MapStoreModule, new FastifyAdapter(), { logger: false });
  app.enableShutdownHooks();
  await app.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1');
}

void main();
