/** Bodies of the admin API, validated at the edge (class-validator). */
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const HOST_PORT = /^[^:\s]+:\d{1,5}$/;
const NODE = /^[A-Za-z0-9_.-]+@[A-Za-z0-9_.:-]+$/;

export class JoinDto {
  @IsString()
  @Matches(HOST_PORT, { message: 'target must be host:port of a node’s CLUSTER_PORT' })
  target!: string;
}

export class NodeDto {
  @IsString()
  @MaxLength(255)
  @Matches(NODE, { message: 'node must be a node name like dev1@127.0.0.1' })
  node!: string;
}

export class OptionalNodeDto {
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(NODE, { message: 'node must be a node name like dev1@127.0.0.1' })
  node?: string;
}

export class ReplaceDto extends NodeDto {
  @IsString()
  @MaxLength(255)
  @Matches(NODE, { message: 'replacement must be a node name like dev2@127.0.0.1' })
  replacement!: string;
}

export class PreflistQueryDto {
  @IsString()
  @MaxLength(1024)
  bucket!: string;

  @IsString()
  @MaxLength(1024)
  key!: string;

  @Type(() => Number)
  @IsInt({ message: 'n must be an integer' })
  @Min(1)
  @Max(1024)
  n!: number;

  @IsOptional()
  @IsString()
  @MaxLength(32)
  service?: string;
}

export class RepairDto {
  @IsString()
  @Matches(/^\d{1,49}$/, { message: 'partition must be a partition id in decimal' })
  partition!: string;

  @IsOptional()
  @IsString()
  @MaxLength(32)
  service?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(8)
  n?: number;
}
