/** Requires `Authorization: Bearer <ADMIN_TOKEN>` on admin routes when a token is configured. */
import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { NodeConfig } from '../../lib';
import { NODE_CONFIG } from '../tokens';

@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(NODE_CONFIG) private readonly config: NodeConfig) {}

  canActivate(ctx: ExecutionContext): boolean {
    const token = this.config.adminToken;
    if (!token) return true;
    const header = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers['authorization'] ?? '';
    const given = Buffer.from(header.replace(/^Bearer\s+/i, ''));
    const want = Buffer.from(token);
    if (given.length === want.length && timingSafeEqual(given, want)) return true;
    throw new UnauthorizedException('admin routes need Authorization: Bearer <ADMIN_TOKEN>');
  }
}
