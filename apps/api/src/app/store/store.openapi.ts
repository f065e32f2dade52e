/** OpenAPI schemas of the store bodies (store-bodies.ts, docs/reference/http-api.md), for the controller's decorators. */
import type { SchemaObject } from '@nestjs/swagger';

const context: SchemaObject = { type: 'string', description: 'the causal context; send it back in X-Ringnest-Context to supersede exactly what was read' };
const acks: SchemaObject = { type: 'array', items: { type: 'boolean', enum: [true] }, description: 'one `true` per acknowledging replica (exactly W)' };

export const STORED_SCHEMA: SchemaObject = { type: 'object', required: ['data', 'context'], properties: { data: acks, context } };

export const DELETED_SCHEMA: SchemaObject = { type: 'object', required: ['data'], properties: { data: acks } };

export const FETCHED_SCHEMA: SchemaObject = {
  oneOf: [
    {
      type: 'object',
      description: 'found: one entry per replica that answered with the key; `value` when the newest value is unique, else `siblings`',
      required: ['data', 'context'],
      properties: {
        data: { type: 'array', items: { type: 'object', additionalProperties: {}, description: '{"<key>": value} or {"<key>": [values]} for a replica holding siblings' } },
        value: { description: 'the causally newest value' },
        siblings: { type: 'array', items: {}, description: 'the concurrent values, each once' },
        context,
      },
    },
    { type: 'object', description: 'missing everywhere', required: ['data'], properties: { data: { type: 'string', enum: ['not_found'] } } },
  ],
};

/** The same name as the controller's `@Headers()` parameter, so the document lists the header once. */
export const CONTEXT_HEADER_DOC = {
  name: 'x-ringnest-context',
  required: false,
  description: 'the `context` of a read: supersede exactly what it saw (a PUT with the context of a read with siblings resolves them)',
};
