import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { PortraitImage } from '../emrtd/testing/index.js';
import type { Command } from './command.js';
import { UsageError, type OptionValues } from './parse-options.js';

// The generator (pkijs, asn1js) is imported on demand, so help and usage errors stay fast.

const SIGNERS = ['rsa', 'rsa-pss', 'ecdsa'] as const;
const DIGESTS = ['SHA-1', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512'] as const;
type Signer = (typeof SIGNERS)[number];
type Digest = (typeof DIGESTS)[number];

/** Where the variants of --tampered go, one folder each. */
export const TAMPERED_DIR = 'tampered';

interface Options {
  out: string;
  signer: Signer;
  digest: Digest;
  tampered: boolean;
  /** A face picture for DG2, or null for the placeholder. */
  portrait: string | null;
}

function choice<T extends string>(values: OptionValues, option: string, allowed: readonly T[], fallback: T): T {
  const value = values[option];
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new UsageError(`--${option} must be one of ${allowed.join(', ')} (got "${String(value)}").`);
  }
  return value as T;
}

/** `fixtures passport`: a signed test passport and its trust anchor, as files. */
export const FIXTURES_PASSPORT: Omit<Command, 'group' | 'name'> = {
  summary: 'Write a signed test passport (dg1.bin, dg2.bin, sod.bin, mrz.txt), its trust anchor csca.pem and its CRL csca.crl to a folder.',
  details: [
    'The passport is the ICAO specimen (ERIKSSON, ANNA MARIA) with a 24x32 JPEG portrait, or the face picture of --portrait',
    '(see "fixtures faces"); every run makes new throwaway keys.',
    'Start the server with CSCA_TRUST_STORE_DIR=<dir> to trust it (a running one picks up the folder\'s changes within 2 s),',
    'then use "verify run --fixtures <dir>".',
    'csca.crl is the CSCA\'s CRL, due for renewal in 90 days: empty, or with --tampered listing the DSC of the revoked-dsc variant.',
    `With --tampered, ${TAMPERED_DIR}/<variant>/ holds one passport per passive-authentication failure, all under the same CSCA.`,
    'Prints one JSON line: {"out","files","mrz","signer","digest","tampered"}.',
  ],
  options: {
    out: { type: 'string', required: true, placeholder: '<dir>', description: 'Folder to write; created if missing, files in it replaced' },
    signer: { type: 'string', placeholder: '<rsa|rsa-pss|ecdsa>', description: 'SOD signature algorithm (default rsa)' },
    digest: { type: 'string', placeholder: '<SHA-256>', description: `Digest of the hashes and signatures: ${DIGESTS.join(', ')} (default SHA-256)` },
    tampered: { type: 'boolean', description: `Also write the tampered variants, one folder each under ${TAMPERED_DIR}/` },
    portrait: { type: 'string', placeholder: '<file>', description: 'DG2 portrait: a JPEG or JPEG 2000 face picture (default: a 24x32 placeholder)' },
  },
  prepare: (values) => {
    const out = String(values.out);
    if (out.trim() === '') throw new UsageError('--out must not be empty.');
    const options: Options = {
      out: resolve(out),
      signer: choice(values, 'signer', SIGNERS, 'rsa'),
      digest: choice(values, 'digest', DIGESTS, 'SHA-256'),
      tampered: values.tampered === true,
      portrait: values.portrait === undefined ? null : resolve(String(values.portrait)),
    };
    return {
      standalone: async (io) => {
        io.stdout(JSON.stringify(await writePassportFixtures(options)));
        return 0;
      },
    };
  },
};

/** `fixtures faces`: real face pictures for the built-in matcher, from pictures in node_modules. */
export const FIXTURES_FACES: Omit<Command, 'group' | 'name'> = {
  summary: 'Write a passport portrait and three sets of selfies of real faces, for trying the built-in face matcher.',
  details: [
    'The faces are cut from a picture that the face model package (@vladmandic/human) ships; they are written here, never',
    'part of this repository. portrait.jp2 is a 240x320 greyscale JPEG 2000 portrait of one man (use it with',
    '"fixtures passport --portrait"); selfies/same holds three selfies of him from other photos, selfies/other three of',
    'someone else, selfies/identical one selfie three times. Prints one JSON line: {"out","files"}.',
  ],
  options: {
    out: { type: 'string', required: true, placeholder: '<dir>', description: 'Folder to write; created if missing, files in it replaced' },
  },
  prepare: (values) => {
    const out = String(values.out);
    if (out.trim() === '') throw new UsageError('--out must not be empty.');
    return {
      standalone: async (io) => {
        io.stdout(JSON.stringify(await writeFaceFixtures(resolve(out))));
        return 0;
      },
    };
  },
};

async function writeFaceFixtures(out: string): Promise<object> {
  const { demoFaces, selfieFileName } = await import('../face-match/evaluation/demo-faces.js');
  const faces = await demoFaces();
  const files: Record<string, Uint8Array> = { 'portrait.jp2': faces.portraitJp2, 'portrait.jpg': faces.portraitJpeg };
  const sets = { same: faces.sameSelfies, other: faces.otherSelfies, identical: faces.identicalSelfies };
  for (const [name, selfies] of Object.entries(sets)) {
    selfies.forEach((bytes, i) => (files[`selfies/${name}/${selfieFileName(bytes, i)}`] = bytes));
  }
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(out, name)), { recursive: true });
    writeFileSync(join(out, name), bytes);
  }
  return { out, files: Object.keys(files) };
}

async function writePassportFixtures(options: Options): Promise<object> {
  const { generateCrl, generatePassportFixture, generateTamperedVariants } = await import('../emrtd/testing/index.js');
  const { toPem } = await import('../emrtd/passive-auth/certificate.js');
  const portraitImage = options.portrait ? await readPortrait(options.portrait) : undefined;
  const base = { signer: options.signer, digest: options.digest, portraitImage };
  const set = options.tampered ? await generateTamperedVariants(base) : null;
  const passport = set?.valid ?? (await generatePassportFixture(base));

  mkdirSync(options.out, { recursive: true });
  const files: Record<string, string | Uint8Array> = {
    'csca.pem': passport.cscaCertPem,
    // PEM like csca.pem, so both can be read (and diffed) as text; the store reads DER just as well.
    'csca.crl': toPem(set?.crl ?? generateCrl(passport.csca), 'X509 CRL'),
    'dg1.bin': passport.dg1,
    'dg2.bin': passport.dg2,
    'sod.bin': passport.sod,
    'mrz.txt': `${passport.mrz.join('\n')}\n`,
    'README.txt': readme(options, passport.mrz, set?.variants ?? []),
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(options.out, name), content);

  const tampered = [];
  for (const variant of set?.variants ?? []) {
    const dir = join(options.out, TAMPERED_DIR, variant.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'dg1.bin'), variant.dg1);
    writeFileSync(join(dir, 'dg2.bin'), variant.dg2);
    writeFileSync(join(dir, 'sod.bin'), variant.sod);
    writeFileSync(join(dir, 'README.txt'), `${variant.description}.\nPassive authentication fails with: ${variant.expectedFailure}\n`);
    tampered.push({ name: variant.name, expected_failure: variant.expectedFailure });
  }
  return {
    out: options.out,
    files: Object.keys(files),
    mrz: passport.mrz,
    signer: options.signer,
    digest: options.digest,
    tampered,
  };
}

/** A JPEG or JPEG 2000 picture as a DG2 portrait, with the width and height DG2 records. */
async function readPortrait(file: string): Promise<PortraitImage> {
  const { decodeImage, sniffImageFormat } = await import('../face-match/engine/images.js');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (error) {
    throw new UsageError(`--portrait ${file} cannot be read: ${(error as Error).message}`);
  }
  const format = sniffImageFormat(bytes);
  if (format !== 'jpeg' && format !== 'jpeg2000') throw new UsageError(`--portrait ${file} must be a JPEG or JPEG 2000 picture.`);
  try {
    const { width, height } = await decodeImage(bytes);
    return { format, bytes, width, height };
  } catch (error) {
    throw new UsageError(`--portrait ${file}: ${(error as Error).message}`);
  }
}

function readme(options: Options, mrz: readonly string[], variants: ReadonlyArray<{ name: string; description: string }>): string {
  const lines = [
    'Passline test passport, written by "npm run cli -- fixtures passport". NOT A REAL DOCUMENT: the keys are throwaway',
    'and nothing here may ever be trusted outside development.',
    '',
    'csca.pem    the trust anchor: a self-signed Country Signing CA certificate',
    variants.length > 0
      ? 'csca.crl    its CRL (due for renewal in 90 days): it lists the document signer of tampered/revoked-dsc'
      : 'csca.crl    its CRL (due for renewal in 90 days): nobody is revoked',
    'dg1.bin     EF.DG1: the MRZ below',
    options.portrait ? `dg2.bin     EF.DG2: the portrait from ${options.portrait}` : 'dg2.bin     EF.DG2: the portrait, a 24x32 JPEG',
    `sod.bin     EF.SOD: the signed hashes of DG1 and DG2 (${options.signer}, ${options.digest}), by a document signer under csca.pem`,
    'mrz.txt     the two MRZ lines:',
    ...mrz.map((line) => `              ${line}`),
    '',
    'Trust it: start the server with CSCA_TRUST_STORE_DIR pointing at this folder (the other files are skipped, with a',
    'warning each); it picks up changes to the folder without a restart.',
    'Walk the flow: npm run cli -- verify run --url <verification_url> --fixtures <this folder> --selfies <dir>',
  ];
  if (variants.length > 0) {
    lines.push('', `${TAMPERED_DIR}/ holds passports that must fail passive authentication against csca.pem and csca.crl:`);
    const width = Math.max(...variants.map((v) => v.name.length)) + 2;
    for (const variant of variants) lines.push(`  ${variant.name.padEnd(width)}${variant.description}`);
  }
  return `${lines.join('\n')}\n`;
}
