/**
 * JSON Schemas of the session envelopes, for Fastify's response serializer only (compiled by
 * fast-json-stringify instead of JSON.stringify per response). Keys come out in the order
 * listed here, the contract's order; a property the schema does not name is not sent, so
 * every field of SessionResponse is named. The OpenAPI document still comes from the DTOs.
 */
const nullable = (type: string) => ({ type: [type, 'null'] });

const session = (withCancelToken: boolean) => ({
  type: 'object',
  properties: {
    id: { type: 'string' },
    livemode: { type: 'boolean' },
    status: { type: 'string' },
    failure_code: nullable('string'),
    contract_version: { type: 'integer' },
    // Free-form maps and lists: serialized as they are.
    share_fields: { type: 'object', additionalProperties: true },
    redirect_url: nullable('string'),
    verification_url: { type: 'string' },
    ...(withCancelToken ? { cancel_token: { type: 'string' } } : {}),
    expires_at: { type: 'string' },
    completed_at: nullable('string'),
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    attempts: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
});

export const SESSION_ENVELOPE_SCHEMA = {
  type: 'object',
  properties: { data: session(false), error: { type: 'null' } },
};

export const CREATED_SESSION_ENVELOPE_SCHEMA = {
  type: 'object',
  properties: { data: session(true), error: { type: 'null' } },
};

export const SESSION_LIST_ENVELOPE_SCHEMA = {
  type: 'object',
  properties: {
    data: { type: 'array', items: session(false) },
    error: { type: 'null' },
    pagination: {
      type: 'object',
      properties: { limit: { type: 'integer' }, has_more: { type: 'boolean' }, next_cursor: nullable('string') },
    },
  },
};
