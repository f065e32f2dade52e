/** The query of `GET /api/ping`, validated at the edge (docs/reference/http-api.md). */
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsByteLength, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { MIN_RING_SIZE } from '@ringnest/riak-core';

/** n <= min(8, RING_SIZE) for every ring, since no ring is smaller than MIN_RING_SIZE. */
export const MAX_PING_N = Math.min(8, MIN_RING_SIZE);

/** Only plain decimal digits become a number; anything else ('', '1.5', '0x3', '3abc') fails IsInt. */
const decimal = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);

export class PingQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PING_N, description: 'ping n consecutive partitions' })
  @IsOptional()
  @Transform(decimal)
  @Min(1, { message: `n must be between 1 and ${MAX_PING_N}` })
  @Max(MAX_PING_N, { message: `n must be between 1 and ${MAX_PING_N}` })
  @IsInt({ message: 'n must be an integer' }) // checked first (decorators apply bottom-up)
  n?: number;

  @ApiPropertyOptional({ description: 'ping the vnode of ring key ("ping", key) instead of ("ping", now)', maxLength: 1024 })
  @IsOptional()
  @IsString({ message: 'key must be a string' })
  @IsByteLength(1, 1024, { message: 'key must be 1 to 1024 bytes' })
  key?: string;
}
