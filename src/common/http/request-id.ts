import type { IncomingMessage } from 'node:http';
import { randomToken } from '../ids.js';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Echo a well-formed client `X-Request-Id`, else mint `req_` + 24 (contract §1.4). */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && CLIENT_REQUEST_ID.test(given)) return given;
  return `req_${randomToken(24)}`;
}
