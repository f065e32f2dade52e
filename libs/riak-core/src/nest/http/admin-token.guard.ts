/** Requires `Authorization: Bearer <ADMIN_TOKEN>` on admin routes when a token is configured. */
import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { NodeConfig } from '../../lib';
import { NODE_CONFIG } from '../tokens';

/** Whether `given` (a bare token or an `Authorization` header value) is the admin token; any value when none is configured. */
export function adminTokenAccepted(token: string | undefined, given: string): boolean {
  if (!token) return true;
  const a = Buffer.from(given.replace(/^Bearer\s+/i, ''));
  const want = Buffer.from(token);
  return a.length === want.length && timingSafeEqual(a, want);
}

@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(NODE_CONFIG) private readonly config: NodeConfig) {}

  canActivate(ctx: ExecutionContext): boolean {
    const header = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers['authorization'] ?? '';
    if (adminTokenAccepted(this.config.adminToken, header)) return true;
    throw new UnauthorizedException('admin routes need Authorization: Bearer <ADMIN_TOKEN>');
  }
}
