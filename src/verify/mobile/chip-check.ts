import type { CheckFailureCode } from '../../sessions/attempts/failure-codes.js';

export interface Portrait {
  image: Uint8Array;
  format: 'jpeg' | 'jpeg2000';
  width: number;
  height: number;
}

/** What the chip checks of `nfc_complete` (§6.7 steps 3-4) produce. */
export type ChipCheckResult<Mrz = unknown> =
  | { ok: true; mrz: Mrz; portrait: Portrait }
  | { ok: false; code: Extract<CheckFailureCode, 'document_authenticity_failed' | 'document_data_invalid'>; reason: string };

/** Passive authentication, then DG1 and DG2 parsing. */
export abstract class ChipVerifier {
  abstract verify(dg1: Uint8Array, dg2: Uint8Array, sod: Uint8Array, now: Date): Promise<ChipCheckResult>;
  abstract buildClaims(
    check: Extract<ChipCheckResult, { ok: true }>,
    keys: string[],
    context: { organizationId: string; now: Date },
  ): Record<string, unknown>;
}
