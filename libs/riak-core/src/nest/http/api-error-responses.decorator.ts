/**
 * OpenAPI description of the one error shape every HTTP route answers with (docs/reference/http-api.md,
 * `{"error":{"code","message"}}`, mapped by JsonErrorFilter). Metadata only.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';

export class ErrorDetail {
  @ApiProperty({ description: 'stable code (docs/errors.md)', example: 'bad_request' })
  code!: string;

  @ApiProperty({ description: 'one line for a human' })
  message!: string;
}

export class ErrorBody {
  @ApiProperty({ type: ErrorDetail })
  error!: ErrorDetail;
}

const WHEN: Readonly<Record<number, string>> = {
  400: 'invalid parameters or body; nothing was done',
  401: 'ADMIN_TOKEN is set and the request lacks `Authorization: Bearer <ADMIN_TOKEN>`',
  404: 'unknown route or method',
  409: 'the cluster refused the operation (`message` is the line the CLI prints)',
  413: 'body over 1 MiB',
  415: 'the request changes something but its `Content-Type` is not `application/json`',
  421: 'the node is bound to loopback and the `Host` is not one of its names (ALLOWED_HOSTS)',
  502: 'a node the operation needs is unreachable',
  503: 'too few vnodes (or nodes) reachable',
  504: 'no quorum within `timeout`',
};

/** Document these error statuses with the shared error body. */
export function ApiErrorResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: WHEN[status] ?? 'error', type: ErrorBody })));
}
