/**
 * Query parameters of `/api/store/:key` (SPEC §6). Present parameters must be plain decimal
 * integers (`w=` or `w=2.5` is a 400); the cross-field rules (w, r <= n <= min(8, ring size)) are
 * checked by `checkQuorum` in coord-kv.
 */
import { Transform } from 'class-transformer';
import { IsInt, IsOptional } from 'class-validator';

const integer = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value);

export class StoreQueryDto {
  @IsOptional()
  @Transform(integer)
  @IsInt({ message: 'n must be an integer' })
  n?: number;

  @IsOptional()
  @Transform(integer)
  @IsInt({ message: 'w must be an integer' })
  w?: number;

  @IsOptional()
  @Transform(integer)
  @IsInt({ message: 'r must be an integer' })
  r?: number;

  @IsOptional()
  @Transform(integer)
  @IsInt({ message: 'timeout must be an integer (ms)' })
  timeout?: number;
}
