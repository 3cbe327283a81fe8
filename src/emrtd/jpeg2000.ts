/**
 * Recognizes JPEG 2000 images and reads their pixel size, either from a JP2 file (signature box,
 * then the `ihdr` box inside `jp2h`) or from a bare codestream (SOC + SIZ markers).
 */

export interface ImageSize {
  width: number;
  height: number;
}

/** The 12-byte JP2 signature box: length 12, type `jP  `, content 0D 0A 87 0A. */
export const JP2_SIGNATURE: readonly number[] = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a];
/** A codestream starts with SOC (FF 4F) immediately followed by SIZ (FF 51). */
export const J2K_CODESTREAM_START: readonly number[] = [0xff, 0x4f, 0xff, 0x51];

const BOX_JP2_HEADER = 0x6a703268; // 'jp2h'
const BOX_IMAGE_HEADER = 0x69686472; // 'ihdr'
const BOX_CODESTREAM = 0x6a703263; // 'jp2c'

export function startsWith(bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean {
  if (offset < 0 || offset + prefix.length > bytes.length) return false;
  return prefix.every((byte, i) => bytes[offset + i] === byte);
}

export const isJp2File = (bytes: Uint8Array): boolean => startsWith(bytes, JP2_SIGNATURE);
export const isJ2kCodestream = (bytes: Uint8Array): boolean => startsWith(bytes, J2K_CODESTREAM_START);

function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
}

const positiveSize = (width: number, height: number): ImageSize | null =>
  width > 0 && height > 0 ? { width, height } : null;

/** Width and height from a codestream's SIZ marker (Xsiz−XOsiz, Ysiz−YOsiz), or null. */
export function j2kCodestreamSize(bytes: Uint8Array): ImageSize | null {
  // SOC(2) SIZ(2) Lsiz(2) Rsiz(2) Xsiz(4) Ysiz(4) XOsiz(4) YOsiz(4)
  if (!isJ2kCodestream(bytes) || bytes.length < 24) return null;
  const xsiz = readUint32(bytes, 8);
  const ysiz = readUint32(bytes, 12);
  const xosiz = readUint32(bytes, 16);
  const yosiz = readUint32(bytes, 20);
  return positiveSize(xsiz - xosiz, ysiz - yosiz);
}

interface Box {
  type: number;
  contentStart: number;
  end: number;
}

/** The boxes in [start, end); stops at the first box that does not fit. */
function readBoxes(bytes: Uint8Array, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  let offset = start;
  while (offset + 8 <= end) {
    const length = readUint32(bytes, offset);
    const type = readUint32(bytes, offset + 4);
    let contentStart = offset + 8;
    let boxEnd: number;
    if (length === 0) {
      boxEnd = end; // the last box runs to the end of the file
    } else if (length === 1) {
      if (offset + 16 > end) break;
      const high = readUint32(bytes, offset + 8);
      const low = readUint32(bytes, offset + 12);
      contentStart = offset + 16;
      boxEnd = offset + high * 0x1_0000_0000 + low;
      if (boxEnd < contentStart) break;
    } else {
      if (length < 8) break;
      boxEnd = offset + length;
    }
    if (boxEnd > end) break;
    boxes.push({ type, contentStart, end: boxEnd });
    offset = boxEnd;
  }
  return boxes;
}

/**
 * Width and height of a JP2 file from `jp2h`/`ihdr` (HEIGHT then WIDTH, 4 bytes each), falling
 * back to the SIZ marker of the `jp2c` codestream box; null when neither is readable.
 */
export function jp2FileSize(bytes: Uint8Array): ImageSize | null {
  if (!isJp2File(bytes)) return null;
  const boxes = readBoxes(bytes, 0, bytes.length);
  for (const header of boxes.filter((box) => box.type === BOX_JP2_HEADER)) {
    const ihdr = readBoxes(bytes, header.contentStart, header.end).find((box) => box.type === BOX_IMAGE_HEADER);
    if (ihdr !== undefined && ihdr.end - ihdr.contentStart >= 8) {
      const size = positiveSize(readUint32(bytes, ihdr.contentStart + 4), readUint32(bytes, ihdr.contentStart));
      if (size !== null) return size;
    }
  }
  const codestream = boxes.find((box) => box.type === BOX_CODESTREAM);
  return codestream === undefined ? null : j2kCodestreamSize(bytes.subarray(codestream.contentStart, codestream.end));
}

/** Width and height of a JP2 file or a bare codestream, or null. */
export function jpeg2000Size(bytes: Uint8Array): ImageSize | null {
  if (isJp2File(bytes)) return jp2FileSize(bytes);
  if (isJ2kCodestream(bytes)) return j2kCodestreamSize(bytes);
  return null;
}
