/**
 * A small BER-TLV reader for the ICAO 9303 data groups: tags of one to three bytes and definite
 * lengths (short form, or long form 0x81/0x82/0x83). Every read is bounds-checked against the
 * buffer it was given; the only error it ever throws is a {@link TlvParseError}.
 */

export type TlvErrorCode =
  | 'truncated_tag'
  | 'tag_too_long'
  | 'truncated_length'
  | 'indefinite_length'
  | 'unsupported_length'
  | 'value_out_of_bounds';

export class TlvParseError extends Error {
  override readonly name = 'TlvParseError';

  constructor(
    readonly code: TlvErrorCode,
    readonly offset: number,
  ) {
    super(`Malformed BER-TLV at offset ${offset}: ${code}`);
  }
}

export interface Tlv {
  /** The tag bytes read as one big-endian number, e.g. 0x61, 0x5f1f, 0x7f61. */
  tag: number;
  /** Bit 6 of the first tag byte. */
  constructed: boolean;
  /** Offset of the first tag byte in the buffer that was read. */
  offset: number;
  /** Offset of the first value byte. */
  valueOffset: number;
  length: number;
  /** Offset just past the value. */
  end: number;
  /** A view of the value bytes (no copy). */
  value: Uint8Array;
}

const MAX_TAG_BYTES = 3;
const MAX_LENGTH_BYTES = 3;

/** Reads the TLV that starts at `offset`. Throws {@link TlvParseError} when it is malformed. */
export function readTlv(bytes: Uint8Array, offset = 0): Tlv {
  if (!Number.isInteger(offset) || offset < 0 || offset >= bytes.length) {
    throw new TlvParseError('truncated_tag', offset);
  }
  let cursor = offset;
  const first = bytes[cursor++];
  let tag = first;
  if ((first & 0x1f) === 0x1f) {
    // Multi-byte tag: subsequent bytes follow while their high bit is set.
    let tagBytes = 1;
    for (;;) {
      if (cursor >= bytes.length) throw new TlvParseError('truncated_tag', offset);
      const next = bytes[cursor++];
      tagBytes += 1;
      if (tagBytes > MAX_TAG_BYTES) throw new TlvParseError('tag_too_long', offset);
      tag = tag * 0x100 + next;
      if ((next & 0x80) === 0) break;
    }
  }

  if (cursor >= bytes.length) throw new TlvParseError('truncated_length', offset);
  const lengthByte = bytes[cursor++];
  let length: number;
  if (lengthByte < 0x80) {
    length = lengthByte;
  } else if (lengthByte === 0x80) {
    throw new TlvParseError('indefinite_length', offset);
  } else {
    const count = lengthByte & 0x7f;
    if (count > MAX_LENGTH_BYTES) throw new TlvParseError('unsupported_length', offset);
    if (cursor + count > bytes.length) throw new TlvParseError('truncated_length', offset);
    length = 0;
    for (let i = 0; i < count; i += 1) length = length * 0x100 + bytes[cursor++];
  }

  const end = cursor + length;
  if (end > bytes.length) throw new TlvParseError('value_out_of_bounds', offset);
  return {
    tag,
    constructed: (first & 0x20) !== 0,
    offset,
    valueOffset: cursor,
    length,
    end,
    value: bytes.subarray(cursor, end),
  };
}

/** Reads consecutive TLVs filling `bytes` exactly (typically the value of a constructed TLV). */
export function readTlvSequence(bytes: Uint8Array): Tlv[] {
  const items: Tlv[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const item = readTlv(bytes, offset);
    items.push(item);
    offset = item.end;
  }
  return items;
}

/** The first item with `tag`, or undefined. */
export function findTlv(items: readonly Tlv[], tag: number): Tlv | undefined {
  return items.find((item) => item.tag === tag);
}
