/** Chunked uploads of the mobile protocol (§6.7), reassembled in the socket's memory only. */

export const CHIP_KINDS = ['dg1', 'dg2', 'sod'] as const;
export type ChipKind = (typeof CHIP_KINDS)[number];
export type DataKind = ChipKind | 'selfie';
export const MAX_ITEM_BYTES = 8 * 1024 * 1024;
export const MAX_CHUNKS = 64;
export const SELFIE_COUNT = 3;

export type ChunkRetryReason =
  | 'invalid_index_or_total'
  | 'invalid_selfie_total'
  | 'invalid_selfie_index'
  | 'invalid_chunk_range'
  | 'chunk_total_mismatch'
  | 'invalid_base64'
  | 'item_too_large';

export interface DataChunk {
  kind: DataKind;
  index: number;
  total: number;
  chunkIndex: number;
  chunkTotal: number;
  /** Base64 text (JSON frames) or the bytes themselves (binary frames, §6.5a). */
  raw: string | Uint8Array;
}

export type ChunkResult =
  | { ok: true; complete: boolean }
  | { ok: false; reason: ChunkRetryReason };

interface Item {
  chunkTotal: number;
  chunks: Map<number, Buffer>;
  bytes: number;
  complete: Buffer | null;
}

// A flat character-class check: chunks can be megabytes long, so no nested groups.
const BASE64_CHARS = /^[A-Za-z0-9+/]*(={0,2})$/;

/** Decodes standard base64 with optional padding, or returns null. */
export function decodeBase64(raw: string): Buffer | null {
  const match = BASE64_CHARS.exec(raw);
  if (!match) return null;
  const padding = match[1].length;
  const dataLength = raw.length - padding;
  if (dataLength % 4 === 1) return null;
  if (padding > 0 && raw.length % 4 !== 0) return null;
  return Buffer.from(raw, 'base64');
}

export class UploadBuffer {
  private readonly items = new Map<string, Item>();

  /** Applies one chunk; the chunk rules are checked in the contract's order. */
  accept(chunk: DataChunk): ChunkResult {
    const isChip = chunk.kind !== 'selfie';
    if (!Number.isInteger(chunk.index) || !Number.isInteger(chunk.total) || chunk.index < 0 || chunk.index >= chunk.total) {
      return { ok: false, reason: 'invalid_index_or_total' };
    }
    if (isChip && (chunk.index !== 0 || chunk.total !== 1)) return { ok: false, reason: 'invalid_index_or_total' };
    if (!isChip && chunk.total !== SELFIE_COUNT) return { ok: false, reason: 'invalid_selfie_total' };
    if (!isChip && (chunk.index < 0 || chunk.index >= SELFIE_COUNT)) return { ok: false, reason: 'invalid_selfie_index' };
    if (
      !Number.isInteger(chunk.chunkTotal) ||
      !Number.isInteger(chunk.chunkIndex) ||
      chunk.chunkTotal < 1 ||
      chunk.chunkTotal > MAX_CHUNKS ||
      chunk.chunkIndex < 0 ||
      chunk.chunkIndex >= chunk.chunkTotal
    ) {
      return { ok: false, reason: 'invalid_chunk_range' };
    }
    const key = `${chunk.kind}:${chunk.index}`;
    let item = this.items.get(key);
    // A chunk for an item already complete starts the item again.
    if (item?.complete) item = undefined;
    if (item && item.chunkTotal !== chunk.chunkTotal) return { ok: false, reason: 'chunk_total_mismatch' };
    const bytes = typeof chunk.raw === 'string' ? decodeBase64(chunk.raw) : Buffer.isBuffer(chunk.raw) ? chunk.raw : Buffer.from(chunk.raw);
    if (!bytes) return { ok: false, reason: 'invalid_base64' };
    const replaced = item?.chunks.get(chunk.chunkIndex)?.length ?? 0;
    const total = (item?.bytes ?? 0) - replaced + bytes.length;
    if (total > MAX_ITEM_BYTES) return { ok: false, reason: 'item_too_large' };
    if (!item) {
      item = { chunkTotal: chunk.chunkTotal, chunks: new Map(), bytes: 0, complete: null };
      this.items.set(key, item);
    }
    item.chunks.set(chunk.chunkIndex, bytes);
    item.bytes = total;
    if (item.chunks.size === item.chunkTotal) {
      item.complete = Buffer.concat([...Array(item.chunkTotal).keys()].map((i) => item!.chunks.get(i)!));
      item.chunks.clear();
      return { ok: true, complete: true };
    }
    return { ok: true, complete: false };
  }

  complete(kind: DataKind, index = 0): Buffer | null {
    return this.items.get(`${kind}:${index}`)?.complete ?? null;
  }

  /** For NFC_REQUIRED_DATA_MISSING / SELFIE_REQUIRED_DATA_MISSING details. */
  missingChunks(kind: DataKind, indexes: number[]): Array<{ kind: DataKind; index: number; chunk_total: number; missing_chunk_indices: number[] }> {
    const out = [];
    for (const index of indexes) {
      const item = this.items.get(`${kind}:${index}`);
      if (!item || item.complete || item.chunks.size === 0) continue;
      const missing = [...Array(item.chunkTotal).keys()].filter((i) => !item.chunks.has(i));
      out.push({ kind, index, chunk_total: item.chunkTotal, missing_chunk_indices: missing });
    }
    return out;
  }

  /** Forgets the passport data and selfies (after a verdict, or when the socket ends). */
  clear(): void {
    this.items.clear();
  }
}
