import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Uniform random string over [a-z0-9] from a CSPRNG (contract §1.5). */
export function randomToken(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out += ALPHABET[randomInt(ALPHABET.length)];
  }
  return out;
}

export const newId = {
  session: () => `vs_${randomToken(64)}`,
  attempt: () => `va_${randomToken(64)}`,
  event: () => `evt_${randomToken(64)}`,
  delivery: () => `whd_${randomToken(64)}`,
  deliveryAttempt: () => `wha_${randomToken(64)}`,
  endpoint: () => `whe_${randomToken(32)}`,
  encryptionKey: () => `whk_${randomToken(32)}`,
  signingSecret: () => `whsec_${randomToken(32)}`,
  apiKey: (livemode: boolean) => `kk_${livemode ? 'live' : 'test'}_${randomToken(32)}`,
  cancelToken: () => randomToken(64),
};

export const SESSION_ID_PATTERN = /^vs_[A-Za-z0-9]{64}$/;
