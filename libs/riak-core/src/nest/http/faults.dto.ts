/** The body of `PUT /api/cluster/faults` (test only, FAULTS=1), validated at the edge (class-validator). */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { MAX_CLOCK_OFFSET_MS } from '../node/node-clock';

const NODE = /^[A-Za-z0-9_.-]+@[A-Za-z0-9_.:-]+$/;
export const MAX_FAULT_DELAY_MS = 60_000;
export const MAX_FAULT_LINKS = 64;

export class LinkFaultDto {
  @ApiProperty({ description: 'the peer (node name, as `member-status` shows it) the faults apply to, for what this node sends it', example: 'dev2@127.0.0.1' })
  @IsString()
  @MaxLength(255)
  @Matches(NODE, { message: 'to must be a node name like dev2@127.0.0.1' })
  to!: string;

  @ApiPropertyOptional({ description: 'everything this node sends to `to` vanishes (default false)' })
  @IsOptional()
  @IsBoolean()
  block?: boolean;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'probability that a message vanishes (default 0)' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  drop?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_FAULT_DELAY_MS, description: 'added to every message (default 0)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_FAULT_DELAY_MS)
  delayMs?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_FAULT_DELAY_MS, description: '± this much, uniformly, per message: reorders (default 0)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_FAULT_DELAY_MS)
  jitterMs?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'probability that a request is delivered twice; the second answer is discarded (default 0)' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  duplicate?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'probability that a message is held back up to 100 ms more (default 0)' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  reorder?: number;
}

export class FaultsDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 0xffffffff, description: 'seeds the decisions (default 0)', example: 7 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(0xffffffff)
  seed?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: -MAX_CLOCK_OFFSET_MS, maximum: MAX_CLOCK_OFFSET_MS, description: "added to this node's clock for the time it writes into data (default 0)", example: 60000 })
  @IsOptional()
  @IsInt()
  @Min(-MAX_CLOCK_OFFSET_MS)
  @Max(MAX_CLOCK_OFFSET_MS)
  clockOffsetMs?: number;

  @ApiPropertyOptional({ type: [LinkFaultDto], maxItems: MAX_FAULT_LINKS, description: 'one rule per peer (default none)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FAULT_LINKS)
  @ValidateNested({ each: true })
  @Type(() => LinkFaultDto)
  links?: LinkFaultDto[];
}
