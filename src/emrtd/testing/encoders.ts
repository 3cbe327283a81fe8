/**
 * Encoders for building EF.DG1 / EF.DG2 bytes in specs. Production code only decodes; these live
 * here so unit and e2e tests can share them. The MRZ check digit is implemented independently of
 * `mrz.ts` on purpose, so a bug there cannot hide behind the same bug here.
 */

// ---------------------------------------------------------------- BER-TLV

export function tagBytes(tag: number): number[] {
  if (tag > 0xffff) return [(tag >>> 16) & 0xff, (tag >>> 8) & 0xff, tag & 0xff];
  if (tag > 0xff) return [(tag >>> 8) & 0xff, tag & 0xff];
  return [tag];
}

/** Definite length; `longForm` forces 0x81/0x82/0x83 with that many length bytes. */
export function lengthBytes(length: number, longForm?: 1 | 2 | 3): number[] {
  const count = longForm ?? (length < 0x80 ? 0 : length <= 0xff ? 1 : length <= 0xffff ? 2 : 3);
  if (count === 0) return [length];
  const bytes: number[] = [];
  for (let i = count - 1; i >= 0; i -= 1) bytes.push(Math.floor(length / 256 ** i) & 0xff);
  return [0x80 | count, ...bytes];
}

export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  return tlvWith({ tag }, ...parts);
}

export function tlvWith(options: { tag: number; longForm?: 1 | 2 | 3 }, ...parts: Uint8Array[]): Uint8Array {
  const value = concat(...parts);
  return concat(Uint8Array.from(tagBytes(options.tag)), Uint8Array.from(lengthBytes(value.length, options.longForm)), value);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export const ascii = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));

// ---------------------------------------------------------------- MRZ / DG1

const CHECK_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function checkDigit(value: string): string {
  const weights = [7, 3, 1];
  let sum = 0;
  [...value].forEach((char, i) => {
    sum += (char === '<' ? 0 : CHECK_ALPHABET.indexOf(char)) * weights[i % 3];
  });
  return String(sum % 10);
}

/** The raw MRZ fields of a TD3 document; each is padded with `<` to its width. */
export interface Td3Fields {
  documentType: string;
  issuingCountry: string;
  /** The raw 39-character name field, e.g. `ERIKSSON<<ANNA<MARIA`. */
  name: string;
  documentNumber: string;
  nationality: string;
  /** YYMMDD */
  birthDate: string;
  sex: string;
  /** YYMMDD */
  expiryDate: string;
  optionalData: string;
  /** Replaces the computed optional-data check digit, e.g. with `<`. */
  optionalDataCheckDigit?: string;
}

export const SPECIMEN_FIELDS: Td3Fields = {
  documentType: 'P',
  issuingCountry: 'UTO',
  name: 'ERIKSSON<<ANNA<MARIA',
  documentNumber: 'L898902C3',
  nationality: 'UTO',
  birthDate: '740812',
  sex: 'F',
  expiryDate: '120415',
  optionalData: 'ZE184226B',
};

export const SPECIMEN_LINES: readonly [string, string] = [
  'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<',
  'L898902C36UTO7408122F1204159ZE184226B<<<<<10',
];

const field = (value: string, width: number): string => {
  if (value.length > width) throw new RangeError(`MRZ field ${JSON.stringify(value)} is wider than ${width}`);
  return value.padEnd(width, '<');
};

export function td3Lines(fields: Td3Fields): [string, string] {
  const line1 = field(fields.documentType, 2) + field(fields.issuingCountry, 3) + field(fields.name, 39);
  const number = field(fields.documentNumber, 9);
  const optional = field(fields.optionalData, 14);
  const withoutComposite =
    number +
    checkDigit(number) +
    field(fields.nationality, 3) +
    fields.birthDate +
    checkDigit(fields.birthDate) +
    fields.sex +
    fields.expiryDate +
    checkDigit(fields.expiryDate) +
    optional +
    (fields.optionalDataCheckDigit ?? checkDigit(optional));
  return [line1, withComposite(withoutComposite.slice(0, 43))];
}

/** Line 2 with its composite check digit (position 43) recomputed from positions 0-42. */
export function withComposite(line2: string): string {
  const head = line2.slice(0, 43);
  return head + checkDigit(head.slice(0, 10) + head.slice(13, 20) + head.slice(21, 43));
}

/** `line` with the character at `index` replaced. */
export const withCharAt = (line: string, index: number, char: string): string =>
  line.slice(0, index) + char + line.slice(index + 1);

export function encodeDg1(mrz: string, options: { outerTag?: number; longForm?: 1 | 2 | 3 } = {}): Uint8Array {
  return tlvWith({ tag: options.outerTag ?? 0x61, longForm: options.longForm }, tlv(0x5f1f, ascii(mrz)));
}

// ---------------------------------------------------------------- images

const u16 = (value: number): number[] => [(value >>> 8) & 0xff, value & 0xff];
const u32 = (value: number): number[] => [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];

/** A JPEG skeleton that `jpegSize` can measure: SOI, APP0 (JFIF), SOF0, EOI. */
export function jpegBytes(width: number, height: number): Uint8Array {
  return Uint8Array.from([
    0xff, 0xd8,
    0xff, 0xe0, ...u16(16), ...ascii('JFIF\0'), 1, 1, 0, ...u16(1), ...u16(1), 0, 0,
    0xff, 0xc0, ...u16(17), 8, ...u16(height), ...u16(width), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
    0xff, 0xd9,
  ]);
}

/** A JPEG 2000 codestream: SOC, SIZ (one component), EOC. */
export function j2kCodestreamBytes(width: number, height: number, offset = { x: 0, y: 0 }): Uint8Array {
  return Uint8Array.from([
    0xff, 0x4f,
    0xff, 0x51, ...u16(41), ...u16(0),
    ...u32(width + offset.x), ...u32(height + offset.y), ...u32(offset.x), ...u32(offset.y),
    ...u32(width), ...u32(height), ...u32(0), ...u32(0),
    ...u16(1), 7, 1, 1,
    0xff, 0xd9,
  ]);
}

const box = (type: string, ...content: Uint8Array[]): Uint8Array => {
  const body = concat(...content);
  return concat(Uint8Array.from(u32(8 + body.length)), ascii(type), body);
};

/** A JP2 file: signature box, ftyp, jp2h (ihdr unless left out, colr), jp2c with a codestream. */
export function jp2Bytes(width: number, height: number, options: { withIhdr?: boolean; codestream?: Uint8Array } = {}): Uint8Array {
  const ihdr = box('ihdr', Uint8Array.from([...u32(height), ...u32(width), ...u16(1), 7, 7, 0, 0]));
  const colr = box('colr', Uint8Array.from([1, 0, 0, ...u32(17)]));
  return concat(
    box('jP  ', Uint8Array.from([0x0d, 0x0a, 0x87, 0x0a])),
    box('ftyp', ascii('jp2 '), Uint8Array.from(u32(0)), ascii('jp2 ')),
    box('jp2h', ...(options.withIhdr === false ? [] : [ihdr]), colr),
    box('jp2c', options.codestream ?? j2kCodestreamBytes(width, height)),
  );
}

// ---------------------------------------------------------------- ISO/IEC 19794-5 / DG2

export interface FacialRecordOptions {
  /** Number of feature points actually written (8 bytes each). */
  featurePoints?: number;
  /** Feature point count written in the header, when it should disagree with the data. */
  declaredFeaturePoints?: number;
  /** Block length written in the header instead of the true one. */
  blockLength?: number;
  /** Width and height written in the image information (the image's own size wins). */
  declaredWidth?: number;
  declaredHeight?: number;
  /** 0 = JPEG, 1 = JPEG 2000 */
  imageDataType?: number;
}

export function facialRecord(image: Uint8Array, options: FacialRecordOptions = {}): Uint8Array {
  const points = options.featurePoints ?? 0;
  const trueBlockLength = 20 + 8 * points + 12 + image.length;
  const facialInformation = [
    ...u32(options.blockLength ?? trueBlockLength),
    ...u16(options.declaredFeaturePoints ?? points),
    1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  ];
  const featurePointData = new Array<number>(8 * points).fill(0x11);
  const imageInformation = [
    1, options.imageDataType ?? 0, ...u16(options.declaredWidth ?? 0), ...u16(options.declaredHeight ?? 0), 1, 2, ...u16(0), ...u16(0),
  ];
  return concat(
    ascii('FAC\x00010\x00'),
    Uint8Array.from([...u32(14 + trueBlockLength), ...u16(1), ...facialInformation, ...featurePointData, ...imageInformation]),
    image,
  );
}

/** EF.DG2 with one biometric information template per data block. */
export function encodeDg2(blocks: Uint8Array[], options: { outerTag?: number; blockTag?: number } = {}): Uint8Array {
  const header = tlv(
    0xa1,
    tlv(0x80, Uint8Array.of(1, 1)),
    tlv(0x81, Uint8Array.of(2)),
    tlv(0x87, Uint8Array.of(1, 1)),
    tlv(0x88, Uint8Array.of(0, 8)),
  );
  const templates = blocks.map((block) => tlv(0x7f60, header, tlv(options.blockTag ?? 0x5f2e, block)));
  return tlv(options.outerTag ?? 0x75, tlv(0x7f61, tlv(0x02, Uint8Array.of(blocks.length)), ...templates));
}
