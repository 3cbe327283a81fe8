import { j2kCodestreamSize, jp2FileSize, jpeg2000Size } from './jpeg2000.js';
import { concatBytes, j2kCodestreamBytes, jp2Bytes, jpegBytes } from './testing/index.js';

describe('jpeg2000Size', () => {
  it('reads width and height from the ihdr box of a JP2 file', () => {
    // The codestream disagrees on purpose: ihdr is the first source.
    expect(jp2FileSize(jp2Bytes(320, 240, { codestream: j2kCodestreamBytes(1, 1) }))).toEqual({ width: 320, height: 240 });
  });

  it('falls back to the codestream inside jp2c when a JP2 file has no ihdr', () => {
    expect(jpeg2000Size(jp2Bytes(320, 240, { withIhdr: false }))).toEqual({ width: 320, height: 240 });
  });

  it('reads a bare codestream as Xsiz−XOsiz by Ysiz−YOsiz', () => {
    expect(j2kCodestreamSize(j2kCodestreamBytes(413, 531))).toEqual({ width: 413, height: 531 });
    expect(jpeg2000Size(j2kCodestreamBytes(413, 531, { x: 17, y: 9 }))).toEqual({ width: 413, height: 531 });
  });

  it('refuses zero-sized and truncated images', () => {
    expect(jpeg2000Size(j2kCodestreamBytes(0, 10))).toBeNull();
    expect(jpeg2000Size(j2kCodestreamBytes(10, 10).subarray(0, 20))).toBeNull();
    expect(jpeg2000Size(jp2Bytes(0, 0, { codestream: j2kCodestreamBytes(0, 0) }))).toBeNull();
    expect(jpeg2000Size(jp2Bytes(320, 240).subarray(0, 40))).toBeNull();
  });

  it('refuses an offset larger than the reference grid', () => {
    const bytes = j2kCodestreamBytes(10, 10, { x: 5, y: 5 });
    bytes.set([0, 0, 0, 1], 8); // Xsiz = 1 < XOsiz = 5
    expect(jpeg2000Size(bytes)).toBeNull();
  });

  it('refuses a box whose length runs past the file', () => {
    const bytes = jp2Bytes(320, 240);
    const broken = concatBytes(bytes.subarray(0, 32), Uint8Array.of(0x7f, 0xff, 0xff, 0xff), bytes.subarray(36));
    expect(jpeg2000Size(broken)).toBeNull();
  });

  it('does not recognize a JPEG', () => {
    expect(jpeg2000Size(jpegBytes(10, 10))).toBeNull();
  });
});
