/**
 * One admin API controller served by Fastify in the test process, with the providers a spec gives
 * (fakes), the node's admin token and its JSON error filter: requests go through the real guard,
 * validation and error mapping, without a socket (`inject`).
 */
import { Provider, Type } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { NodeName } from '../src/lib';
import { JsonErrorFilter } from '../src/nest/http/json-error.filter';
import { NODE_CONFIG } from '../src/nest/tokens';
import { nodeConfig } from './provider-fakes';

export const ADMIN_TOKEN = 'admin-spec-token';

export interface AdminAnswer {
  readonly status: number;
  readonly body: Record<string, unknown> & { error?: { code: string; message: string }; text?: string };
}

export interface AdminApp {
  readonly app: NestFastifyApplication;
  /** a request with the admin token (or `token`, or none when null) */
  call(method: 'GET' | 'POST', url: string, body?: unknown, token?: string | null): Promise<AdminAnswer>;
}

export async function adminApp(controller: Type<unknown>, node: NodeName, providers: Provider[]): Promise<AdminApp> {
  const moduleRef = await Test.createTestingModule({
    controllers: [controller],
    providers: [{ provide: NODE_CONFIG, useValue: { ...nodeConfig(node), adminToken: ADMIN_TOKEN } }, ...providers],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  app.useGlobalFilters(new JsonErrorFilter());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    async call(method, url, body, token = ADMIN_TOKEN) {
      const res = await app.inject({
        method,
        url,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        payload: body !== undefined ? JSON.stringify(body) : undefined,
      });
      return { status: res.statusCode, body: res.json() };
    },
  };
}
