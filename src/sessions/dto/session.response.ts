import { ApiProperty } from '@nestjs/swagger';
import { AttemptResponse } from '../attempts/dto/attempt.response.js';
import type { Attempt } from '../attempts/entities/attempt.entity.js';
import type { NormalizedShareFields } from '../share-contract/index.js';
import { SESSION_STATUSES, type Session, type SessionStatus } from '../entities/session.entity.js';
import { ShareFieldResponse } from './share-field.dto.js';

/** Session properties no response shows: what a read for a response can leave out. */
export const UNSHOWN_SESSION_PROPERTIES = ['organizationId', 'cancelTokenHash', 'cancelTokenUsedAt'] as const;

/** A session as far as its response goes. */
export type ShownSession = Omit<Session, (typeof UNSHOWN_SESSION_PROPERTIES)[number]>;

/** A verification session (§3.1). */
export class SessionResponse {
  /**
   * Session id: `vs_` + 64 characters.
   * @example "vs_8f2k1m4n7p0q3r6s9t2u5v8w1x4y7z0a3b6c9d2e5f8g1h4i7j0k3l6m9n2o5p8q1r4s"
   */
  id: string;

  /**
   * `false` for sessions created with a `kk_test_` key.
   * @example true
   */
  livemode: boolean;

  /** Lifecycle status (§3.8); `succeeded`, `failed`, `expired` and `cancelled` are final. */
  @ApiProperty({ enum: SESSION_STATUSES, example: 'created' })
  status: SessionStatus;

  /**
   * Null unless `failed` (the last attempt's code), `expired` (`session_expired`) or
   * `cancelled` (`session_cancelled`).
   * @example null
   */
  failure_code: string | null;

  /**
   * Always 1 in this version.
   * @example 1
   */
  contract_version: number;

  /** The normalized claim map (§3.6.3), keys in ascending order. */
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ShareFieldResponse' },
    example: {
      age_over_18: { required: true, reason: 'Confirm you are an adult.', source: 'rc' },
      kayle_document_id: { required: true, reason: 'Sharing "Kayle Document ID"', source: 'default' },
    },
  })
  share_fields: Record<string, ShareFieldResponse>;

  /**
   * Where the hosted page sends the user at the end, as supplied.
   * @example "https://shop.example/return"
   */
  redirect_url: string | null;

  /**
   * Send the user here. In the create response it carries `?cancel_token=…`.
   * @example "https://verify.example.com/vs_8f2k1m4n7p0q3r6s9t2u5v8w1x4y7z0a3b6c9d2e5f8g1h4i7j0k3l6m9n2o5p8q1r4s"
   */
  verification_url: string;

  /**
   * When the session expires if not finished.
   * @example "2026-11-26T11:00:00.000Z"
   */
  expires_at: string;

  /**
   * When the session became final; never changes afterwards.
   * @example null
   */
  completed_at: string | null;

  /**
   * When the session was created.
   * @example "2026-11-26T10:00:00.000Z"
   */
  created_at: string;

  /**
   * Changes on every mutation.
   * @example "2026-11-26T10:00:00.000Z"
   */
  updated_at: string;

  /** The session's attempts, oldest first; only with `include_attempts=true`. */
  @ApiProperty({ type: () => [AttemptResponse], required: false })
  attempts?: AttemptResponse[];

  static from(
    session: ShownSession,
    options: { verifyBaseUrl: string; attempts?: Attempt[]; cancelToken?: string },
  ): SessionResponse {
    const url = `${options.verifyBaseUrl}/${session.id}`;
    // One literal, keys in the contract example's order (the order clients see).
    const response: Record<string, unknown> = {
      id: session.id,
      livemode: session.livemode,
      status: session.status,
      failure_code: session.failureCode,
      contract_version: session.contractVersion,
      share_fields: sortedShareFields(session.shareFields),
      redirect_url: session.redirectUrl,
      verification_url: url,
      expires_at: session.expiresAt.toISOString(),
      completed_at: session.completedAt ? session.completedAt.toISOString() : null,
      created_at: session.createdAt.toISOString(),
      updated_at: session.updatedAt.toISOString(),
    };
    const shown = options.cancelToken ? withCancelToken(response, options.cancelToken) : response;
    if (options.attempts) shown.attempts = options.attempts.map(AttemptResponse.from);
    return shown as unknown as SessionResponse;
  }
}

/** The create response: the session plus its single-use `cancel_token`. */
export class CreatedSessionResponse extends SessionResponse {
  /**
   * Single-use token for the public cancel (§6.4); returned only here.
   * @example "q7d2k9m4n1p8r5s2t9u6v3w0x7y4z1a8b5c2d9e6f3g0h7i4j1k8l5m2n9o6p3q0r7s4t1"
   */
  cancel_token: string;
}

/** The create response's keys: the token joins the verification URL and follows it. */
function withCancelToken(response: Record<string, unknown>, cancelToken: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(response)) {
    if (key !== 'verification_url') {
      out[key] = value;
      continue;
    }
    out.verification_url = `${value as string}?cancel_token=${cancelToken}`;
    out.cancel_token = cancelToken;
  }
  return out;
}

function sortedShareFields(fields: NormalizedShareFields): NormalizedShareFields {
  const sorted: NormalizedShareFields = {};
  for (const key of Object.keys(fields).sort()) sorted[key] = fields[key];
  return sorted;
}
