/**
 * `/api/cluster/faults` (docs/admin-api.md, "Fault injection"): read, replace and clear this node's injected faults.
 * Test only: without FAULTS=1 every method answers 404 (before the body is even validated).
 * Thin: validate, delegate to FaultInjectionService.
 */
import {
  BadRequestException,
  Body,
  CanActivate,
  Controller,
  Delete,
  Get,
  Injectable,
  NotFoundException,
  Put,
  UseGuards,
  UsePipes,
  ValidationPipe,
  applyDecorators,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FaultInjectionService, FaultView } from '../node/fault-injection.service';
import { passThroughRule } from '../transport';
import { AdminTokenGuard } from './admin-token.guard';
import { ApiErrorResponses } from './api-error-responses.decorator';
import { FaultsDto } from './faults.dto';
import { ADMIN_AUTH } from './openapi';

/** 404 unless the node was started with FAULTS=1. */
@Injectable()
export class FaultsEnabledGuard implements CanActivate {
  constructor(private readonly faults: FaultInjectionService) {}

  canActivate(): boolean {
    if (this.faults.enabled) return true;
    throw new NotFoundException('fault injection is disabled; start the node with FAULTS=1');
  }
}

/** OpenAPI: what the route does; it answers 200 with the configuration now in force. */
const FaultsRoute = (summary: string) =>
  applyDecorators(
    ApiOperation({ summary }),
    ApiOkResponse({
      description: 'the configuration in force: `seed`, `clockOffsetMs`, `links` (every field filled in), `stats` (messages lost, delayed, duplicated since start) and `text`',
      schema: { type: 'object', required: ['seed', 'clockOffsetMs', 'links', 'stats', 'text'], additionalProperties: true },
    }),
  );

@ApiTags('cluster')
@ApiBearerAuth(ADMIN_AUTH)
@ApiErrorResponses(400, 401, 404)
@Controller('api/cluster/faults')
@UseGuards(AdminTokenGuard, FaultsEnabledGuard)
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }))
export class FaultsController {
  constructor(private readonly faults: FaultInjectionService) {}

  @Get()
  @FaultsRoute('The injected faults (FAULTS=1 only)')
  get(): FaultsAnswer {
    return answer(this.faults.current());
  }

  @Put()
  @FaultsRoute('Replace the injected faults: per-link faults on what this node sends, and its clock offset (FAULTS=1 only)')
  put(@Body() body: FaultsDto): FaultsAnswer {
    const links = (body.links ?? []).map((l) => ({
      ...passThroughRule(l.to),
      ...(l.block !== undefined ? { block: l.block } : {}),
      ...(l.drop !== undefined ? { drop: l.drop } : {}),
      ...(l.delayMs !== undefined ? { delayMs: l.delayMs } : {}),
      ...(l.jitterMs !== undefined ? { jitterMs: l.jitterMs } : {}),
      ...(l.duplicate !== undefined ? { duplicate: l.duplicate } : {}),
      ...(l.reorder !== undefined ? { reorder: l.reorder } : {}),
    }));
    try {
      return answer(this.faults.replace({ seed: body.seed ?? 0, clockOffsetMs: body.clockOffsetMs ?? 0, links }));
    } catch (err) {
      if (err instanceof RangeError) throw new BadRequestException(err.message);
      throw err;
    }
  }

  @Delete()
  @FaultsRoute('Clear every injected fault and the clock offset (FAULTS=1 only)')
  clear(): FaultsAnswer {
    return answer(this.faults.clear());
  }
}

type FaultsAnswer = FaultView & { readonly text: string };

/** The view with its `text`: one line for the seed and offset, one per link with the faults it has. */
function answer(view: FaultView): FaultsAnswer {
  const lines = [`Fault injection: seed ${view.seed}, clock offset ${view.clockOffsetMs} ms, ${view.links.length} link rule(s)`];
  for (const l of view.links) {
    const faults = [
      l.block ? 'block' : '',
      l.drop > 0 ? `drop ${l.drop}` : '',
      l.delayMs > 0 || l.jitterMs > 0 ? `delay ${l.delayMs}±${l.jitterMs} ms` : '',
      l.duplicate > 0 ? `duplicate ${l.duplicate}` : '',
      l.reorder > 0 ? `reorder ${l.reorder}` : '',
    ].filter((f) => f !== '');
    lines.push(`-> '${l.to}': ${faults.length > 0 ? faults.join(', ') : 'none'}`);
  }
  return { ...view, text: lines.join('\n') };
}
