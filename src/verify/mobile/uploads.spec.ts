import { MAX_ITEM_BYTES, UploadBuffer, type DataChunk } from './uploads.js';

const chunk = (over: Partial<DataChunk>): DataChunk => ({
  kind: 'dg1',
  index: 0,
  total: 1,
  chunkIndex: 0,
  chunkTotal: 1,
  raw: Buffer.from('hello').toString('base64'),
  ...over,
});

describe('UploadBuffer', () => {
  it('reassembles chunks sent in any order, in chunk order', () => {
    const buf = new UploadBuffer();
    expect(buf.accept(chunk({ kind: 'dg2', chunkIndex: 1, chunkTotal: 2, raw: Buffer.from('world').toString('base64') }))).toEqual({ ok: true, complete: false });
    expect(buf.accept(chunk({ kind: 'dg2', chunkIndex: 0, chunkTotal: 2, raw: Buffer.from('hello ').toString('base64') }))).toEqual({ ok: true, complete: true });
    expect(buf.complete('dg2')?.toString()).toBe('hello world');
  });

  it('applies the chunk rules in the contract order', () => {
    const buf = new UploadBuffer();
    expect(buf.accept(chunk({ index: 1, total: 2 }))).toEqual({ ok: false, reason: 'invalid_index_or_total' });
    expect(buf.accept(chunk({ index: 0, total: 0 }))).toEqual({ ok: false, reason: 'invalid_index_or_total' });
    expect(buf.accept(chunk({ kind: 'selfie', index: 0, total: 2 }))).toEqual({ ok: false, reason: 'invalid_selfie_total' });
    expect(buf.accept(chunk({ kind: 'selfie', index: 3, total: 3 }))).toEqual({ ok: false, reason: 'invalid_index_or_total' });
    expect(buf.accept(chunk({ chunkIndex: 2, chunkTotal: 2 }))).toEqual({ ok: false, reason: 'invalid_chunk_range' });
    expect(buf.accept(chunk({ chunkTotal: 65 }))).toEqual({ ok: false, reason: 'invalid_chunk_range' });
    expect(buf.accept(chunk({ chunkIndex: 0, chunkTotal: 3 }))).toEqual({ ok: true, complete: false });
    expect(buf.accept(chunk({ chunkIndex: 1, chunkTotal: 2 }))).toEqual({ ok: false, reason: 'chunk_total_mismatch' });
    expect(buf.accept(chunk({ chunkIndex: 1, chunkTotal: 3, raw: 'not base64!' }))).toEqual({ ok: false, reason: 'invalid_base64' });
  });

  it('accepts base64 without padding', () => {
    const buf = new UploadBuffer();
    expect(buf.accept(chunk({ raw: 'aGk' }))).toEqual({ ok: true, complete: true });
    expect(buf.complete('dg1')?.toString()).toBe('hi');
  });

  it('refuses an item over 8 MiB, counting the bytes received so far', () => {
    const buf = new UploadBuffer();
    const half = Buffer.alloc(MAX_ITEM_BYTES / 2).toString('base64');
    expect(buf.accept(chunk({ kind: 'sod', chunkIndex: 0, chunkTotal: 3, raw: half }))).toEqual({ ok: true, complete: false });
    expect(buf.accept(chunk({ kind: 'sod', chunkIndex: 1, chunkTotal: 3, raw: half }))).toEqual({ ok: true, complete: false });
    expect(buf.accept(chunk({ kind: 'sod', chunkIndex: 2, chunkTotal: 3, raw: 'AA==' }))).toEqual({ ok: false, reason: 'item_too_large' });
  });

  it('restarts a complete item on a new chunk and replaces repeated chunks', () => {
    const buf = new UploadBuffer();
    buf.accept(chunk({}));
    expect(buf.accept(chunk({ chunkIndex: 0, chunkTotal: 2, raw: Buffer.from('a').toString('base64') }))).toEqual({ ok: true, complete: false });
    expect(buf.complete('dg1')).toBeNull();
    buf.accept(chunk({ chunkIndex: 0, chunkTotal: 2, raw: Buffer.from('b').toString('base64') }));
    buf.accept(chunk({ chunkIndex: 1, chunkTotal: 2, raw: Buffer.from('c').toString('base64') }));
    expect(buf.complete('dg1')?.toString()).toBe('bc');
  });

  it('lists missing chunks only for items that have started', () => {
    const buf = new UploadBuffer();
    buf.accept(chunk({ kind: 'selfie', index: 1, total: 3, chunkIndex: 1, chunkTotal: 3 }));
    expect(buf.missingChunks('selfie', [0, 1, 2])).toEqual([
      { kind: 'selfie', index: 1, chunk_total: 3, missing_chunk_indices: [0, 2] },
    ]);
  });
});
