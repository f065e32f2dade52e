/** Bodies of the admin API, validated at the edge (class-validator). */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const HOST_PORT = /^[^:\s]+:\d{1,5}$/;
const NODE = /^[A-Za-z0-9_.-]+@[A-Za-z0-9_.:-]+$/;

export class JoinDto {
  @ApiProperty({ description: 'host:port of a member’s CLUSTER_PORT', example: '127.0.0.1:9000' })
  @IsString()
  @Matches(HOST_PORT, { message: 'target must be host:port of a node’s CLUSTER_PORT' })
  target!: string;
}

export class NodeDto {
  @ApiProperty({ description: 'a node name', example: 'dev2@127.0.0.1' })
  @IsString()
  @MaxLength(255)
  @Matches(NODE, { message: 'node must be a node name like dev1@127.0.0.1' })
  node!: string;
}

export class OptionalNodeDto {
  @ApiPropertyOptional({ description: 'a node name; this node when absent', example: 'dev2@127.0.0.1' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(NODE, { message: 'node must be a node name like dev1@127.0.0.1' })
  node?: string;
}

export class ReplaceDto extends NodeDto {
  @ApiProperty({ description: 'the node taking over', example: 'dev4@127.0.0.1' })
  @IsString()
  @MaxLength(255)
  @Matches(NODE, { message: 'replacement must be a node name like dev2@127.0.0.1' })
  replacement!: string;
}

export class PreflistQueryDto {
  @ApiProperty({ example: 'store' })
  @IsString()
  @MaxLength(1024)
  bucket!: string;

  @ApiProperty({ example: 'my_key' })
  @IsString()
  @MaxLength(1024)
  key!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 1024, example: 3 })
  @Type(() => Number)
  @IsInt({ message: 'n must be an integer' })
  @Min(1)
  @Max(1024)
  n!: number;

  @ApiPropertyOptional({ description: 'count a node up only when this vnode service runs there', example: 'kv' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  service?: string;
}

export class RepairDto {
  @ApiProperty({ description: 'a partition id in decimal' })
  @IsString()
  @Matches(/^\d{1,49}$/, { message: 'partition must be a partition id in decimal' })
  partition!: string;

  @ApiPropertyOptional({ description: 'one vnode service; every service when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  service?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 8, description: 'replicas per key (default 3)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(8)
  n?: number;
}
