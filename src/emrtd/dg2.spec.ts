import fc from 'fast-check';
import { extractPortrait, portraitFromBiometricData, type PortraitResult } from './dg2.js';
import {
  ascii,
  concatBytes,
  encodeDg2,
  encodeTlv,
  facialRecord,
  j2kCodestreamBytes,
  jp2Bytes,
  jpegBytes,
} from './testing/index.js';

const JPEG = jpegBytes(480, 640);

const portraitOf = (result: PortraitResult) => {
  if (!result.ok) throw new Error(`expected a portrait, got ${result.reason}`);
  return result;
};

describe('extractPortrait', () => {
  describe('formats', () => {
    it('extracts a JPEG from the facial record, sized from the image rather than the record', () => {
      const dg2 = encodeDg2([facialRecord(JPEG, { declaredWidth: 1, declaredHeight: 2 })]);
      const portrait = portraitOf(extractPortrait(dg2));
      expect(portrait).toMatchObject({ format: 'jpeg', width: 480, height: 640 });
      expect([...portrait.image]).toEqual([...JPEG]);
    });

    it('extracts a JPEG 2000 file (JP2 signature box) and reads its ihdr', () => {
      const jp2 = jp2Bytes(413, 531);
      const portrait = portraitOf(extractPortrait(encodeDg2([facialRecord(jp2, { imageDataType: 1 })])));
      expect(portrait).toMatchObject({ format: 'jpeg2000', width: 413, height: 531 });
      expect([...portrait.image]).toEqual([...jp2]);
    });

    it('extracts a bare JPEG 2000 codestream and reads its SIZ marker', () => {
      const codestream = j2kCodestreamBytes(300, 400, { x: 8, y: 4 });
      const portrait = portraitOf(extractPortrait(encodeDg2([facialRecord(codestream, { imageDataType: 1 })])));
      expect(portrait).toMatchObject({ format: 'jpeg2000', width: 300, height: 400 });
      expect([...portrait.image]).toEqual([...codestream]);
    });

    it('trusts the image bytes over the record\'s image data type', () => {
      expect(portraitOf(extractPortrait(encodeDg2([facialRecord(JPEG, { imageDataType: 1 })]))).format).toBe('jpeg');
    });
  });

  describe('layout', () => {
    it('skips feature points to find the image', () => {
      const portrait = portraitOf(extractPortrait(encodeDg2([facialRecord(JPEG, { featurePoints: 3 })])));
      expect([...portrait.image]).toEqual([...JPEG]);
    });

    it('reads a biometric data block tagged 0x7F2E', () => {
      expect(extractPortrait(encodeDg2([facialRecord(JPEG)], { blockTag: 0x7f2e })).ok).toBe(true);
    });

    it('reads a biometric data block that holds the image itself', () => {
      expect(portraitOf(extractPortrait(encodeDg2([JPEG])))).toMatchObject({ format: 'jpeg', width: 480, height: 640 });
      expect(portraitOf(extractPortrait(encodeDg2([jp2Bytes(20, 30)])))).toMatchObject({ format: 'jpeg2000', width: 20 });
    });

    it('reads a portrait larger than 64 KiB (three-byte TLV lengths)', () => {
      const large = concatBytes(JPEG, new Uint8Array(70_000));
      const portrait = portraitOf(extractPortrait(encodeDg2([facialRecord(large)])));
      expect(portrait.image.length).toBe(large.length);
    });

    it('takes the first template that holds a readable portrait', () => {
      const dg2 = encodeDg2([ascii('no image here'), facialRecord(jpegBytes(10, 20)), facialRecord(JPEG)]);
      expect(portraitOf(extractPortrait(dg2))).toMatchObject({ width: 10, height: 20 });
    });

    it('stops the image at the end of the facial block', () => {
      const record = facialRecord(JPEG);
      const withTrailer = concatBytes(record, ascii('TRAILER'));
      const portrait = portraitOf(extractPortrait(encodeDg2([withTrailer])));
      expect([...portrait.image]).toEqual([...JPEG]);
    });

    it('returns a copy that does not share the DG2 buffer', () => {
      const dg2 = encodeDg2([facialRecord(JPEG)]);
      const portrait = portraitOf(extractPortrait(dg2));
      dg2.fill(0);
      expect([...portrait.image]).toEqual([...JPEG]);
    });
  });

  describe('lenience with a facial record header that is off', () => {
    it('finds the image when the feature point count is wrong', () => {
      const record = facialRecord(JPEG, { featurePoints: 1, declaredFeaturePoints: 4 });
      expect([...portraitOf(extractPortrait(encodeDg2([record]))).image]).toEqual([...JPEG]);
    });

    it('finds the image when extra bytes precede it', () => {
      const record = facialRecord(concatBytes(Uint8Array.of(0, 0, 0, 0, 0), JPEG));
      expect(portraitOf(extractPortrait(encodeDg2([record])))).toMatchObject({ format: 'jpeg', width: 480 });
    });

    it.each([
      ['overruns the record', 0x7fff_ffff],
      ['ends before the image', 10],
      ['is zero', 0],
    ])('reads to the end of the record when the block length %s', (_label, blockLength) => {
      const portrait = portraitOf(extractPortrait(encodeDg2([facialRecord(JPEG, { blockLength })])));
      expect([...portrait.image]).toEqual([...JPEG]);
    });

    it('looks for a misplaced image only near the start of the record', () => {
      const farAway = facialRecord(concatBytes(new Uint8Array(10_000), JPEG));
      expect(extractPortrait(encodeDg2([farAway]))).toEqual({ ok: false, reason: 'portrait_not_found' });
    });

    it('measures a bounded number of candidate signatures', () => {
      // Each decoy looks like a JPEG start but has an unreadable first segment.
      const decoys = (count: number): Uint8Array =>
        concatBytes(...Array.from({ length: count }, () => Uint8Array.of(0xff, 0xd8, 0xff, 0x00, 0x00)));
      expect(extractPortrait(encodeDg2([concatBytes(ascii('XX'), decoys(10), JPEG)])).ok).toBe(true);
      expect(extractPortrait(encodeDg2([concatBytes(ascii('XX'), decoys(16), JPEG)]))).toEqual({
        ok: false,
        reason: 'portrait_size_unreadable',
      });
    });

    it('finds an image in a record of an unknown format', () => {
      const record = concatBytes(ascii('ISO39794'), Uint8Array.of(0xa1, 0x10, 0x80, 0x01), JPEG);
      expect(portraitOf(extractPortrait(encodeDg2([record])))).toMatchObject({ format: 'jpeg', width: 480 });
    });
  });

  describe('failures', () => {
    it.each([
      ['garbage', ascii('this is not a facial record at all')],
      ['an empty block', new Uint8Array(0)],
      ['a facial record without an image', facialRecord(ascii('PNG?'))],
      ['a PNG', Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13)],
    ])('finds no portrait in %s', (_label, block) => {
      expect(extractPortrait(encodeDg2([block]))).toEqual({ ok: false, reason: 'portrait_not_found' });
    });

    it.each([
      ['a JPEG without a frame header', Uint8Array.of(0xff, 0xd8, 0xff, 0xd9)],
      ['a JPEG of zero width', jpegBytes(0, 10)],
      ['a JP2 file without ihdr or codestream', jp2Bytes(10, 10).subarray(0, 32)],
      ['a codestream cut short', j2kCodestreamBytes(10, 10).subarray(0, 16)],
    ])('refuses %s whose size cannot be read', (_label, image) => {
      expect(extractPortrait(encodeDg2([facialRecord(image)]))).toEqual({ ok: false, reason: 'portrait_size_unreadable' });
    });

    it('rejects a DG2 with the wrong outer tag', () => {
      expect(extractPortrait(encodeDg2([facialRecord(JPEG)], { outerTag: 0x61 }))).toEqual({
        ok: false,
        reason: 'dg2_wrong_tag',
      });
    });

    it('rejects a DG2 without a biometric group template', () => {
      expect(extractPortrait(encodeTlv(0x75, encodeTlv(0x02, Uint8Array.of(1))))).toEqual({ ok: false, reason: 'biometric_group_missing' });
    });

    it('rejects a DG2 without a biometric information template', () => {
      expect(extractPortrait(encodeTlv(0x75, encodeTlv(0x7f61, encodeTlv(0x02, Uint8Array.of(0)))))).toEqual({
        ok: false,
        reason: 'biometric_template_missing',
      });
    });

    it('rejects a template without a biometric data block', () => {
      const dg2 = encodeTlv(0x75, encodeTlv(0x7f61, encodeTlv(0x02, Uint8Array.of(1)), encodeTlv(0x7f60, encodeTlv(0xa1, new Uint8Array(0)))));
      expect(extractPortrait(dg2)).toEqual({ ok: false, reason: 'biometric_data_block_missing' });
    });

    it.each([
      ['empty', new Uint8Array(0)],
      ['truncated', encodeDg2([facialRecord(JPEG)]).subarray(0, 40)],
      ['inconsistent inside', encodeTlv(0x75, Uint8Array.of(0x7f, 0x61, 0x20, 0x02))],
    ])('rejects a %s DG2 as malformed', (_label, dg2) => {
      expect(extractPortrait(dg2)).toEqual({ ok: false, reason: 'dg2_malformed' });
    });

    it('answers every byte string with a result, never an exception', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
          expect(typeof extractPortrait(bytes).ok).toBe('boolean');
          expect(typeof portraitFromBiometricData(bytes).ok).toBe('boolean');
        }),
      );
    });

    it('never throws on a valid DG2 with one byte changed', () => {
      const original = encodeDg2([facialRecord(jp2Bytes(40, 50), { featurePoints: 1 })]);
      fc.assert(
        fc.property(fc.nat(original.length - 1), fc.nat(255), (index, value) => {
          const dg2 = original.slice();
          dg2[index] = value;
          const result = extractPortrait(dg2);
          if (result.ok) expect(result.width * result.height).toBeGreaterThan(0);
        }),
      );
    });
  });
});
