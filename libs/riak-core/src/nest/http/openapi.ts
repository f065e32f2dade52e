/**
 * `GET /docs` (docs/reference/http-api.md): the OpenAPI document of a node's HTTP API, built by `@nestjs/swagger`
 * from the controllers' decorators on first request, served as JSON at `/docs/json` and YAML at
 * `/docs/yaml`, with Swagger UI at `/docs` (its assets come from the installed swagger-ui-dist,
 * nothing from elsewhere; the online validator badge is off).
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export const OPENAPI_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'docs/json';
export const OPENAPI_YAML_PATH = 'docs/yaml';
/** The security scheme of the admin routes (`ApiBearerAuth(ADMIN_AUTH)`). */
export const ADMIN_AUTH = 'admin-token';

export interface OpenApiOptions {
  readonly title: string;
  readonly description: string;
  readonly version: string;
}

/** Serve the document and Swagger UI; call before the app listens. */
export function setupOpenApi(app: NestFastifyApplication, options: OpenApiOptions): void {
  const config = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion(options.version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'ADMIN_TOKEN', description: 'ADMIN_TOKEN, when the node has one' }, ADMIN_AUTH)
    .build();
  SwaggerModule.setup(OPENAPI_PATH, app, () => SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    yamlDocumentUrl: OPENAPI_YAML_PATH,
    customSiteTitle: options.title,
    swaggerOptions: { validatorUrl: null },
  });
}
