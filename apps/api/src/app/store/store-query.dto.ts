/**
 * Query parameters of `/api/store/:key` (docs/reference/http-api.md). Present parameters must be plain decimal
 * integers (`w=` or `w=2.5` is a 400); the cross-field rules (w, r <= n <= min(8, ring size),
 * pr <= r, pw <= w) are
 * checked by `checkQuorum` in coord-kv.
 */
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional } from 'class-validator';

const integer = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value);

export class StoreQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'replicas (default 3); w, r <= n <= min(8, RING_SIZE)' })
  @IsOptional()
  @Transform(integer)
  @IsInt({ message: 'n must be an integer' })
  n?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'acknowledgements a write waits for (default 2)' })
  @IsOptional()
  @Transform(integer)
  @IsInt({ message: 'w must be an integer' })
  w?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'replies a read waits for (default 2)' })
  @IsOptional()
  @Transform(integer)
  @IsInt({ message: 'r must be an integer' })
  r?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'primary replicas (not fallbacks) that must answer a read (default 0; at most r); else 503 insufficient_primaries' })
  @IsOptional()
  @Transform(integer)
  @IsInt({ message: 'pr must be an integer' })
  pr?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'primary replicas (not fallbacks) that must acknowledge a write (default 0; at most w); else 503 insufficient_primaries' })
  @IsOptional()
  @Transform(integer)
  @IsInt({ message: 'pw must be an integer' })
  pw?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'ms the request may take (default 5000); then 504' })
  @IsOptional()
  @Transform(integer)
  @IsInt({ message: 'timeout must be an integer (ms)' })
  timeout?: number;
}
