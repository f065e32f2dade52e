/**
 * The decorators every admin API controller shares: the `api/cluster` prefix, the admin token
 * guard, strict DTO validation (unknown fields refused) and the OpenAPI description. Each route
 * answers 200 with at least `text`, the lines `./ringnest` prints (docs/admin-api.md).
 */
import { Controller, UseGuards, UsePipes, ValidationPipe, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from './admin-token.guard';
import { ApiErrorResponses } from './api-error-responses.decorator';
import { ADMIN_AUTH } from './openapi';

/** A controller of the admin API under `api/cluster[/path]`. */
export const AdminApi = (path?: string) =>
  applyDecorators(
    ApiTags('cluster'),
    ApiBearerAuth(ADMIN_AUTH),
    ApiErrorResponses(400, 401, 409, 502),
    Controller(path ? `api/cluster/${path}` : 'api/cluster'),
    UseGuards(AdminTokenGuard),
    UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true })),
  );

/** OpenAPI: what the route does; it answers 200 with at least `text`. */
export const AdminRoute = (summary: string) =>
  applyDecorators(
    ApiOperation({ summary }),
    ApiOkResponse({
      description: 'at least `text`, the lines `./ringnest` prints (docs/admin-api.md)',
      schema: { type: 'object', required: ['text'], properties: { text: { type: 'string' } }, additionalProperties: true },
    }),
  );
