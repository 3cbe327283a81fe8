import { parseTd3, TD3_LINE_LENGTH, type MrzFailureReason, type Td3Mrz } from './mrz.js';
import { findTlv, readTlv, readTlvSequence, TlvParseError, type Tlv } from './tlv.js';

export const DG1_TAG = 0x61;
export const MRZ_INFO_TAG = 0x5f1f;

/** Why a DG1 was refused. Callers report every one of them as `document_data_invalid`. */
export type Dg1FailureReason = 'dg1_malformed' | 'dg1_wrong_tag' | 'dg1_mrz_missing' | MrzFailureReason;

export type Dg1ParseResult = { ok: true; mrz: Td3Mrz } | { ok: false; reason: Dg1FailureReason };

/**
 * Parses EF.DG1 (§6.11): tag 0x61 holding the MRZ in 0x5F1F, which must be a TD3 MRZ of exactly
 * 88 characters without separators. `now` fixes the century of the dates. Bytes after the outer
 * TLV are ignored: the file's integrity is passive authentication's business, not this parser's.
 */
export function parseDg1(bytes: Uint8Array, now: Date): Dg1ParseResult {
  let mrzInfo: Tlv | undefined;
  try {
    const outer = readTlv(bytes, 0);
    if (outer.tag !== DG1_TAG) return { ok: false, reason: 'dg1_wrong_tag' };
    mrzInfo = findTlv(readTlvSequence(outer.value), MRZ_INFO_TAG);
  } catch (error) {
    if (error instanceof TlvParseError) return { ok: false, reason: 'dg1_malformed' };
    throw error;
  }
  if (mrzInfo === undefined) return { ok: false, reason: 'dg1_mrz_missing' };

  if (mrzInfo.length !== 2 * TD3_LINE_LENGTH) return { ok: false, reason: 'mrz_not_td3' };
  // latin1 maps each byte to one character, so a non-ASCII byte cannot hide in a multi-byte sequence.
  const text = Buffer.from(mrzInfo.value.buffer, mrzInfo.value.byteOffset, mrzInfo.value.byteLength).toString('latin1');
  return parseTd3(text.slice(0, TD3_LINE_LENGTH), text.slice(TD3_LINE_LENGTH), now);
}
