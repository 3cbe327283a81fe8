// npm run bench:codecs: the cost of the socket's codecs per frame (API.md §6.5, §6.5a), measured
// on the built dist/: decoding a hello and a 64 KiB data chunk, and encoding an ack, in JSON and
// in Cap'n Proto (capnp-es). Prints microseconds per frame; the machine's load shows in the
// numbers, so compare the rows with each other.
//
// Environment: BENCH_ITERATIONS (default 20000 per row).
import { encodeClientFrame } from '../dist/src/verify/client/capnp-frames.js';
import { capnpCodec } from '../dist/src/verify/mobile/codec/capnp.codec.js';
import { jsonCodec } from '../dist/src/verify/mobile/codec/json.codec.js';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const hello = { type: 'hello', attempt_id: `va_${'a'.repeat(64)}`, mobile_write_token: 'f'.repeat(64), device_id: 'ios-device-a', app_version: '1.0.0' };
const chunk = { type: 'data', kind: 'dg2', index: 0, total: 1, chunk_index: 1, chunk_total: 3, raw: Buffer.alloc(64 * 1024, 7).toString('base64') };
const frames = {
  json: { hello: Buffer.from(JSON.stringify(hello)), chunk: Buffer.from(JSON.stringify(chunk)) },
  capnp: { hello: Buffer.from(encodeClientFrame(hello)), chunk: Buffer.from(encodeClientFrame(chunk)) },
};
const ack = { type: 'data_ack', kind: 'dg2', index: 0, chunk_index: 1, complete: false };

function time(fn) {
  for (let i = 0; i < Math.min(2_000, iterations); i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e3 / iterations;
}

const rows = [];
for (const [name, codec] of [['json', jsonCodec], ['capnp', capnpCodec]]) {
  for (const kind of ['hello', 'chunk']) {
    const frame = frames[name][kind];
    if (!codec.decode(frame)) throw new Error(`${name} could not decode its own ${kind}`);
    // The JSON chunk still carries base64: the upload buffer decodes it, so that is counted too.
    const us = time(() => {
      const message = codec.decode(frame);
      if (message.type === 'data' && typeof message.raw === 'string') Buffer.from(message.raw, 'base64');
    });
    rows.push({ codec: name, frame: `decode ${kind === 'hello' ? 'hello' : 'data, 64 KiB chunk'}`, bytes: frame.length, 'µs/frame': us.toFixed(2) });
  }
  rows.push({ codec: name, frame: 'encode data ack', bytes: Buffer.byteLength(codec.encode(ack)), 'µs/frame': time(() => codec.encode(ack)).toFixed(2) });
}
console.table(rows);
