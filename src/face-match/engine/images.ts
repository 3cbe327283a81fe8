import jpeg from 'jpeg-js';
import { createRequire } from 'node:module';

/** 8-bit RGB pixels, row by row. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type ImageFormat = 'jpeg' | 'png' | 'jpeg2000';

/** An image the matcher cannot use; the message says why (it goes to the server log). */
export class ImageDecodeError extends Error {}

/** Larger pictures are refused before decoding: a phone selfie is 12 MP, a DG2 portrait far less. */
export const MAX_IMAGE_MEGAPIXELS = 40;

const require = createRequire(import.meta.url);

interface PngModule {
  PNG: {
    sync: {
      read(data: Buffer): { width: number; height: number; data: Buffer };
      write(png: { width: number; height: number; data: Buffer }, options?: { colorType?: number }): Buffer;
    };
  };
}
const { PNG } = require('pngjs') as PngModule;

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
}
interface OpenJpegDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}
interface OpenJpegEncoder {
  getDecodedBuffer(frame: FrameInfo & { isUsingColorTransform: boolean }): Uint8Array;
  setQuality(lossless: boolean, quality: number): void;
  setCompressionRatio(layer: number, ratio: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}
interface OpenJpegModule {
  J2KDecoder: new () => OpenJpegDecoder;
  J2KEncoder?: new () => OpenJpegEncoder;
}
type OpenJpegFactory = (options: Record<string, unknown>) => Promise<OpenJpegModule>;

// The WebAssembly OpenJPEG build prints its progress; keep the server log clean.
const QUIET = { print: () => undefined, printErr: () => undefined };
let codecModule: Promise<OpenJpegModule> | undefined;
/**
 * One OpenJPEG module per thread, the full build (decoder and encoder): its decode-only twin
 * registers the same embind names, and loading both in one thread throws.
 */
function openJpeg(): Promise<OpenJpegModule> {
  codecModule ??= (require('@cornerstonejs/codec-openjpeg/wasmjs') as OpenJpegFactory)(QUIET);
  return codecModule;
}

const JP2_SIGNATURE = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a];

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, JP2_SIGNATURE) || startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) return 'jpeg2000';
  return null;
}

/**
 * The JPEG 2000 codestream of a JP2 file (its `jp2c` box); OpenJPEG's WebAssembly build
 * decodes codestreams only. A bare codestream is returned as it is.
 */
export function jpeg2000Codestream(bytes: Uint8Array): Uint8Array {
  if (!startsWith(bytes, JP2_SIGNATURE)) return bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset + 8 <= bytes.length) {
    let length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    let header = 8;
    if (length === 1) {
      if (offset + 16 > bytes.length) break;
      length = Number(view.getBigUint64(offset + 8));
      header = 16;
    } else if (length === 0) {
      length = bytes.length - offset;
    }
    if (length < header || offset + length > bytes.length) break;
    if (type === 'jp2c') return bytes.subarray(offset + header, offset + length);
    offset += length;
  }
  throw new ImageDecodeError('JP2 file without a readable codestream (jp2c) box');
}

function checkSize(width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw new ImageDecodeError('image has no pixels');
  if (width * height > MAX_IMAGE_MEGAPIXELS * 1_000_000) {
    throw new ImageDecodeError(`image is ${width}x${height}, over ${MAX_IMAGE_MEGAPIXELS} megapixels`);
  }
}

function toRgb(width: number, height: number, source: Uint8Array, channels: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    const grey = channels < 3;
    data[i * 3] = source[j];
    data[i * 3 + 1] = source[grey ? j : j + 1];
    data[i * 3 + 2] = source[grey ? j : j + 2];
  }
  return { width, height, data };
}

function decodeJpeg(bytes: Uint8Array): RgbImage {
  const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_IMAGE_MEGAPIXELS, maxMemoryUsageInMB: 512 });
  checkSize(image.width, image.height);
  return { width: image.width, height: image.height, data: image.data };
}

function decodePng(bytes: Uint8Array): RgbImage {
  // IHDR comes first: refuse huge images before pngjs allocates them.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24) throw new ImageDecodeError('PNG is truncated');
  checkSize(view.getUint32(16), view.getUint32(20));
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return toRgb(png.width, png.height, png.data, 4);
}

/** Width and height from the SIZ marker, read before decoding so a huge image is refused cheaply. */
export function codestreamSize(codestream: Uint8Array): [number, number] {
  if (!startsWith(codestream, [0xff, 0x4f, 0xff, 0x51]) || codestream.length < 24) {
    throw new ImageDecodeError('JPEG 2000 codestream without a SIZ marker');
  }
  const view = new DataView(codestream.buffer, codestream.byteOffset, codestream.byteLength);
  // After SOC and SIZ: Lsiz(2) Rsiz(2) Xsiz(4) Ysiz(4) XOsiz(4) YOsiz(4).
  return [view.getUint32(8) - view.getUint32(16), view.getUint32(12) - view.getUint32(20)];
}

async function decodeJpeg2000(bytes: Uint8Array): Promise<RgbImage> {
  const codestream = jpeg2000Codestream(bytes);
  const decoder = new (await openJpeg()).J2KDecoder();
  try {
    checkSize(...codestreamSize(codestream));
    decoder.getEncodedBuffer(codestream.length).set(codestream);
    decoder.decode();
    const { width, height, bitsPerSample, componentCount } = decoder.getFrameInfo();
    if (bitsPerSample > 8 || (componentCount !== 1 && componentCount !== 3 && componentCount !== 4)) {
      throw new ImageDecodeError(`unsupported JPEG 2000 layout (${componentCount} components of ${bitsPerSample} bits)`);
    }
    return toRgb(width, height, decoder.getDecodedBuffer(), componentCount);
  } finally {
    decoder.delete();
  }
}

/** Decodes a JPEG, PNG or JPEG 2000 (JP2 file or codestream) to RGB; throws ImageDecodeError. */
export async function decodeImage(bytes: Uint8Array): Promise<RgbImage> {
  const format = sniffImageFormat(bytes);
  if (!format) throw new ImageDecodeError('not a JPEG, PNG or JPEG 2000 image');
  try {
    if (format === 'jpeg') return decodeJpeg(bytes);
    if (format === 'png') return decodePng(bytes);
    return await decodeJpeg2000(bytes);
  } catch (error) {
    if (error instanceof ImageDecodeError) throw error;
    const message = error instanceof Error ? error.message : typeof error === 'number' ? `codec abort ${error}` : String(error);
    throw new ImageDecodeError(`${format} image cannot be decoded: ${message}`);
  }
}

function toRgba(image: RgbImage): Uint8Array {
  const rgba = new Uint8Array(image.width * image.height * 4);
  for (let i = 0; i < image.width * image.height; i++) {
    rgba[i * 4] = image.data[i * 3];
    rgba[i * 4 + 1] = image.data[i * 3 + 1];
    rgba[i * 4 + 2] = image.data[i * 3 + 2];
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

export function encodeJpeg(image: RgbImage, quality: number): Uint8Array {
  return new Uint8Array(jpeg.encode({ width: image.width, height: image.height, data: toRgba(image) }, quality).data);
}

export function encodePng(image: RgbImage): Uint8Array {
  return new Uint8Array(PNG.sync.write({ width: image.width, height: image.height, data: Buffer.from(toRgba(image)) }));
}

/** A lossy greyscale JPEG 2000 codestream (as many chips store DG2 portraits), `ratio`:1; colour is turned to luma. */
export async function encodeGreyJpeg2000(image: RgbImage, ratio: number): Promise<Uint8Array> {
  const codec = await openJpeg();
  if (!codec.J2KEncoder) throw new Error('this OpenJPEG build has no encoder');
  const encoder = new codec.J2KEncoder();
  try {
    const frame = { width: image.width, height: image.height, bitsPerSample: 8, componentCount: 1, isSigned: false, isUsingColorTransform: false };
    const target = encoder.getDecodedBuffer(frame);
    const { data } = image;
    for (let i = 0; i < image.width * image.height; i++) {
      target[i] = Math.round(0.299 * data[i * 3] + 0.587 * data[i * 3 + 1] + 0.114 * data[i * 3 + 2]);
    }
    encoder.setQuality(false, 0);
    encoder.setCompressionRatio(0, ratio);
    encoder.encode();
    return Uint8Array.from(encoder.getEncodedBuffer());
  } finally {
    encoder.delete();
  }
}
