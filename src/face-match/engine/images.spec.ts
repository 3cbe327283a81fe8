import {
  codestreamSize,
  decodeImage,
  encodeGreyJpeg2000,
  encodeJpeg,
  encodePng,
  ImageDecodeError,
  jpeg2000Codestream,
  sniffImageFormat,
  type RgbImage,
} from './images.js';

/** A 40x30 picture: a horizontal gradient in red, a vertical one in green. */
function gradient(width = 40, height = 30): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set([Math.round((x / (width - 1)) * 255), Math.round((y / (height - 1)) * 255), 128], (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

function meanAbsoluteError(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

function box(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setUint32(0, out.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(body, 8);
  return out;
}

describe('sniffImageFormat', () => {
  it('tells JPEG, PNG, JP2 files and bare JPEG 2000 codestreams apart from anything else', () => {
    expect(sniffImageFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniffImageFormat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('png');
    expect(sniffImageFormat(new Uint8Array([0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]))).toBe('jpeg2000');
    expect(sniffImageFormat(new Uint8Array([0xff, 0x4f, 0xff, 0x51]))).toBe('jpeg2000');
    expect(sniffImageFormat(Buffer.from('GIF89a'))).toBeNull();
  });
});

describe('decodeImage', () => {
  const picture = gradient();

  it('decodes a JPEG close to the original and a PNG exactly', async () => {
    const jpeg = await decodeImage(encodeJpeg(picture, 95));
    expect([jpeg.width, jpeg.height]).toEqual([40, 30]);
    expect(meanAbsoluteError(jpeg.data, picture.data)).toBeLessThan(4);
    expect(await decodeImage(encodePng(picture))).toEqual(picture);
  });

  it('decodes a greyscale JPEG 2000 codestream and the same codestream inside a JP2 file', async () => {
    // OpenJPEG's five default decomposition levels need more than a thumbnail.
    const picture = gradient(160, 120);
    const codestream = await encodeGreyJpeg2000(picture, 4);
    expect(codestreamSize(codestream)).toEqual([160, 120]);
    const grey = await decodeImage(codestream);
    expect([grey.width, grey.height]).toEqual([160, 120]);
    // Grey: every pixel has R = G = B, close to the luma of the original.
    const luma = (i: number) => 0.299 * picture.data[i * 3] + 0.587 * picture.data[i * 3 + 1] + 0.114 * picture.data[i * 3 + 2];
    for (const i of [0, 17, 6000, 19199]) {
      expect(grey.data[i * 3]).toBe(grey.data[i * 3 + 2]);
      expect(Math.abs(grey.data[i * 3] - luma(i))).toBeLessThan(12);
    }
    const signature = new Uint8Array([0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]);
    const jp2 = Buffer.concat([signature, box('ftyp', Buffer.from('jp2 \0\0\0\0jp2 ')), box('jp2h', new Uint8Array(10)), box('jp2c', codestream)]);
    expect(jpeg2000Codestream(jp2)).toEqual(codestream);
    expect(await decodeImage(jp2)).toEqual(grey);
  });

  it('refuses what it cannot use with an ImageDecodeError that says why', async () => {
    await expect(decodeImage(Buffer.from('not a picture'))).rejects.toThrow(new ImageDecodeError('not a JPEG, PNG or JPEG 2000 image'));
    await expect(decodeImage(encodeJpeg(picture, 90).subarray(0, 40))).rejects.toBeInstanceOf(ImageDecodeError);
    const jp2WithoutCodestream = Buffer.concat([new Uint8Array([0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]), box('ftyp', new Uint8Array(4))]);
    await expect(decodeImage(jp2WithoutCodestream)).rejects.toThrow('jp2c');
    // A PNG header announcing 100000x100000 pixels is refused before anything is allocated.
    const huge = Buffer.from(encodePng(picture));
    huge.writeUInt32BE(100_000, 16);
    huge.writeUInt32BE(100_000, 20);
    await expect(decodeImage(huge)).rejects.toThrow('over 40 megapixels');
  });
});
