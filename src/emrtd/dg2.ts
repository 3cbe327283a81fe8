import { jpegSize } from './image-size.js';
import { J2K_CODESTREAM_START, JP2_SIGNATURE, jpeg2000Size, startsWith } from './jpeg2000.js';
import { findTlv, readTlv, readTlvSequence, TlvParseError, type Tlv } from './tlv.js';

export const DG2_TAG = 0x75;
export const BIOMETRIC_GROUP_TEMPLATE_TAG = 0x7f61;
export const BIOMETRIC_INFO_TEMPLATE_TAG = 0x7f60;
export const BIOMETRIC_DATA_BLOCK_TAGS: readonly number[] = [0x5f2e, 0x7f2e];

export type PortraitFormat = 'jpeg' | 'jpeg2000';

export interface Portrait {
  image: Uint8Array;
  format: PortraitFormat;
  width: number;
  height: number;
}

/** Why a DG2 was refused. Callers report every one of them as `document_data_invalid`. */
export type Dg2FailureReason =
  | 'dg2_malformed'
  | 'dg2_wrong_tag'
  | 'biometric_group_missing'
  | 'biometric_template_missing'
  | 'biometric_data_block_missing'
  | 'portrait_not_found'
  | 'portrait_size_unreadable';

export type PortraitResult = ({ ok: true } & Portrait) | { ok: false; reason: Dg2FailureReason };

const JPEG_START: readonly number[] = [0xff, 0xd8, 0xff];
const FACIAL_RECORD_FORMAT: readonly number[] = [0x46, 0x41, 0x43, 0x00]; // 'FAC\0'

// ISO/IEC 19794-5 layout: general header = format id 4, version 4, record length 4, image count 2;
// facial information = block length 4, feature points 2, gender 1, eye colour 1, hair colour 1,
// property mask 3, expression 2, pose angles 3, pose uncertainty 3; 8 bytes per feature point;
// image information = type 1, data type 1, width 2, height 2, colour space 1, source 1, device 2,
// quality 2.
const GENERAL_HEADER_LENGTH = 14;
const FACIAL_INFORMATION_LENGTH = 20;
const FEATURE_POINT_LENGTH = 8;
const IMAGE_INFORMATION_LENGTH = 12;

// The scan for a misplaced image is a fallback for headers that are slightly off, so it looks
// only near the start and measures few candidates: a block full of fake signatures cannot make
// it quadratic.
const SCAN_WINDOW = 8192;
const SCAN_MAX_CANDIDATES = 16;

/**
 * Extracts the portrait from EF.DG2 (§6.7 step 4, §6.11): tag 0x75 → 0x7F61 → 0x7F60 → the
 * biometric data block 0x5F2E or 0x7F2E, which holds an ISO/IEC 19794-5 facial record or, as some
 * passports have it, the image itself. The first template yielding an image wins. Width and
 * height come from the image bytes, never from the record's header.
 */
export function extractPortrait(dg2: Uint8Array): PortraitResult {
  let blocks: Tlv[];
  try {
    const outer = readTlv(dg2, 0);
    if (outer.tag !== DG2_TAG) return { ok: false, reason: 'dg2_wrong_tag' };
    const group = findTlv(readTlvSequence(outer.value), BIOMETRIC_GROUP_TEMPLATE_TAG);
    if (group === undefined) return { ok: false, reason: 'biometric_group_missing' };
    const templates = readTlvSequence(group.value).filter((item) => item.tag === BIOMETRIC_INFO_TEMPLATE_TAG);
    if (templates.length === 0) return { ok: false, reason: 'biometric_template_missing' };
    blocks = templates.flatMap((template) =>
      readTlvSequence(template.value).filter((item) => BIOMETRIC_DATA_BLOCK_TAGS.includes(item.tag)),
    );
  } catch (error) {
    if (error instanceof TlvParseError) return { ok: false, reason: 'dg2_malformed' };
    throw error;
  }
  if (blocks.length === 0) return { ok: false, reason: 'biometric_data_block_missing' };

  let failure: PortraitResult = { ok: false, reason: 'portrait_not_found' };
  for (const block of blocks) {
    const result = portraitFromBiometricData(block.value);
    if (result.ok) return result;
    if (result.reason === 'portrait_size_unreadable') failure = result;
  }
  return failure;
}

/** The portrait inside one biometric data block (a 19794-5 facial record or a bare image). */
export function portraitFromBiometricData(data: Uint8Array): PortraitResult {
  if (imageFormatAt(data, 0) !== null) return measure(data);
  if (!startsWith(data, FACIAL_RECORD_FORMAT)) return scanForImage(data, 0, data.length);

  const located = locateFirstFacialImage(data);
  if (located !== null && imageFormatAt(data, located.start) !== null) {
    const result = measure(data.subarray(located.start, located.end));
    if (result.ok) return result;
  }
  // The header is off (wrong block length, feature point count, ...): look for the image itself.
  return scanForImage(data, GENERAL_HEADER_LENGTH, located?.end ?? data.length);
}

/** Where the first image's bytes should be according to the 19794-5 header, or null. */
function locateFirstFacialImage(record: Uint8Array): { start: number; end: number } | null {
  const block = GENERAL_HEADER_LENGTH;
  if (block + FACIAL_INFORMATION_LENGTH > record.length) return null;
  const blockLength = readUint32(record, block);
  const featurePoints = (record[block + 4] << 8) | record[block + 5];
  const start =
    block + FACIAL_INFORMATION_LENGTH + featurePoints * FEATURE_POINT_LENGTH + IMAGE_INFORMATION_LENGTH;
  if (start >= record.length) return null;
  const declaredEnd = block + blockLength;
  // A block length that overruns the record or ends before the image is not trusted.
  const end = declaredEnd > start && declaredEnd <= record.length ? declaredEnd : record.length;
  return { start, end };
}

function scanForImage(data: Uint8Array, from: number, preferredEnd: number): PortraitResult {
  let failure: PortraitResult = { ok: false, reason: 'portrait_not_found' };
  let candidates = 0;
  const last = Math.min(data.length, from + SCAN_WINDOW);
  for (let offset = from; offset < last && candidates < SCAN_MAX_CANDIDATES; offset += 1) {
    if (imageFormatAt(data, offset) === null) continue;
    candidates += 1;
    const end = preferredEnd > offset ? preferredEnd : data.length;
    const result = measure(data.subarray(offset, end));
    if (result.ok) return result;
    failure = result;
  }
  return failure;
}

function imageFormatAt(data: Uint8Array, offset: number): PortraitFormat | null {
  if (startsWith(data, JPEG_START, offset)) return 'jpeg';
  if (startsWith(data, JP2_SIGNATURE, offset) || startsWith(data, J2K_CODESTREAM_START, offset)) return 'jpeg2000';
  return null;
}

function measure(image: Uint8Array): PortraitResult {
  const format = imageFormatAt(image, 0);
  if (format === null) return { ok: false, reason: 'portrait_not_found' };
  const size = format === 'jpeg' ? jpegSize(image) : jpeg2000Size(image);
  if (size === null) return { ok: false, reason: 'portrait_size_unreadable' };
  // A copy, so holding the portrait does not keep the whole DG2 buffer alive.
  return { ok: true, image: image.slice(), format, width: size.width, height: size.height };
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
}
