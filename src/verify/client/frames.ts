import { DATA_KIND_ORDINALS } from './capnp-frames.js';

/** Client frames of the mobile protocol (§6.5) and the chunking of uploads (§6.7). */

export type UploadKind = 'dg1' | 'dg2' | 'sod' | 'selfie';

export interface DataFrame {
  type: 'data';
  kind: UploadKind;
  index: number;
  total: number;
  chunk_index: number;
  chunk_total: number;
  raw: string;
}

/** The protocol's limits: 64 chunks per item, 1 MiB per frame (base64 grows bytes by 4/3). */
export const MAX_CHUNKS = 64;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
const MAX_CHUNK_BYTES = 768 * 1024 - 1024;

/**
 * The chunk size for an item: `preferred`, raised when the item would need more than 64 chunks.
 * Items above 64 × 767 KiB cannot be sent at all (the server's cap is 8 MiB anyway).
 */
export function chunkSizeFor(byteLength: number, preferred = DEFAULT_CHUNK_BYTES): number {
  const size = Math.max(preferred, Math.ceil(byteLength / MAX_CHUNKS));
  if (size > MAX_CHUNK_BYTES) throw new RangeError(`An upload of ${byteLength} bytes does not fit in ${MAX_CHUNKS} frames`);
  return size;
}

/** One item (a data group or a selfie) as its `data` frames, in chunk order. */
export function dataFrames(
  item: { kind: UploadKind; index?: number; total?: number; bytes: Uint8Array },
  chunkBytes = chunkSizeFor(item.bytes.byteLength),
): DataFrame[] {
  const bytes = Buffer.from(item.bytes.buffer, item.bytes.byteOffset, item.bytes.byteLength);
  const chunkTotal = Math.max(1, Math.ceil(bytes.length / chunkBytes));
  return Array.from({ length: chunkTotal }, (_, chunkIndex) => ({
    type: 'data',
    kind: item.kind,
    index: item.index ?? 0,
    total: item.total ?? 1,
    chunk_index: chunkIndex,
    chunk_total: chunkTotal,
    raw: bytes.subarray(chunkIndex * chunkBytes, (chunkIndex + 1) * chunkBytes).toString('base64'),
  }));
}

/**
 * The ack the server sends for a chunk (§6.5): the item's last chunk completes it. Binary
 * connections name the kind by its `DataKind` ordinal (§6.5a: `data_ok_1_0` is DG2).
 */
export function expectedDataAck(frame: DataFrame, completesItem: boolean, codec: 'json' | 'capnp' = 'json'): string {
  const kind = codec === 'capnp' ? DATA_KIND_ORDINALS[frame.kind] : frame.kind;
  return completesItem ? `data_ok_${kind}_${frame.index}` : `data_chunk_ok_${kind}_${frame.index}_${frame.chunk_index}`;
}
