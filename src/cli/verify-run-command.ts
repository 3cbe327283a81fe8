import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseVerificationUrl } from '../verify/client/handoff.js';
import type { Command } from './command.js';
import { UsageError } from './parse-options.js';

// The client (and with it `ws`) is imported on demand, so help and usage errors stay fast.

const CHIP_FILES = ['dg1.bin', 'dg2.bin', 'sod.bin'] as const;
const SELFIE_COUNT = 3;
export const DEFAULT_DEVICE_ID = 'passline-reference-client';

/** `verify run`: the reference client walks a real session from handoff to share_ready. */
export const VERIFY_RUN: Omit<Command, 'group' | 'name'> = {
  summary: 'Complete a live session like the mobile app: handoff, WebSocket, chip data, selfies, share selection.',
  details: [
    'Reads dg1.bin, dg2.bin and sod.bin from --fixtures (as "fixtures passport" writes them) and the first three files,',
    'by name, of --selfies (any bytes: the face matcher decides). Uploads go in chunks of 64 KiB.',
    'Progress: one line per step on stderr. Result: one JSON line on stdout, the frame that ended the run: share_ready',
    '(exit 0), or the rejected verdict or the error (exit 1). It talks to the server over HTTP and WebSocket only.',
  ],
  options: {
    url: { type: 'string', required: true, placeholder: '<verification_url>', description: "The session's verification_url (<base>/verify/<id>)" },
    fixtures: { type: 'string', required: true, placeholder: '<dir>', description: 'Folder with dg1.bin, dg2.bin and sod.bin' },
    selfies: { type: 'string', required: true, placeholder: '<dir>', description: 'Folder with at least three selfie files' },
    'device-id': { type: 'string', placeholder: '<id>', description: `Device id sent in hello (default ${DEFAULT_DEVICE_ID})` },
    select: { type: 'string', placeholder: '<a,b>', description: 'Comma-separated keys to share (default: every offered key)' },
    codec: {
      type: 'string',
      placeholder: '<json|capnp>',
      description: "Wire format: json text frames (default) or capnp, the Kayle iOS app's binary frames",
    },
  },
  prepare: (values) => {
    const verificationUrl = String(values.url);
    try {
      parseVerificationUrl(verificationUrl);
    } catch (error) {
      throw new UsageError(`--url: ${(error as Error).message}.`);
    }
    const deviceId = values['device-id'] === undefined ? DEFAULT_DEVICE_ID : String(values['device-id']);
    if (deviceId.trim() === '') throw new UsageError('--device-id must not be empty.');
    const select = values.select === undefined ? undefined : selection(String(values.select));
    const codec = values.codec === undefined ? 'json' : String(values.codec);
    if (codec !== 'json' && codec !== 'capnp') throw new UsageError('--codec must be json or capnp.');
    const fixtures = resolve(String(values.fixtures));
    const selfies = resolve(String(values.selfies));
    return {
      standalone: async (io) => {
        const input = { chip: readChip(fixtures), selfies: readSelfies(selfies) };
        const { runVerification } = await import('../verify/client/run-verification.js');
        const outcome = await runVerification({ verificationUrl, deviceId, select, codec, ...input, onStep: io.stderr });
        io.stdout(JSON.stringify(outcome.result));
        return outcome.ok ? 0 : 1;
      },
    };
  },
};

function selection(raw: string): string[] {
  const keys = raw.split(',').map((key) => key.trim());
  if (keys.some((key) => key === '')) throw new UsageError('--select must be a comma-separated list of claim keys, none empty.');
  return keys;
}

function readChip(dir: string): { dg1: Uint8Array; dg2: Uint8Array; sod: Uint8Array } {
  const [dg1, dg2, sod] = CHIP_FILES.map((name) => {
    try {
      return new Uint8Array(readFileSync(join(dir, name)));
    } catch (error) {
      throw new UsageError(`--fixtures ${dir} must hold ${CHIP_FILES.join(', ')}: ${(error as Error).message}`);
    }
  });
  return { dg1, dg2, sod };
}

function readSelfies(dir: string): Uint8Array[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((name) => statSync(join(dir, name)).isFile())
      .sort();
  } catch (error) {
    throw new UsageError(`--selfies ${dir} cannot be read: ${(error as Error).message}`);
  }
  if (names.length < SELFIE_COUNT) {
    throw new UsageError(`--selfies ${dir} must hold at least ${SELFIE_COUNT} files (found ${names.length}).`);
  }
  return names.slice(0, SELFIE_COUNT).map((name) => new Uint8Array(readFileSync(join(dir, name))));
}
