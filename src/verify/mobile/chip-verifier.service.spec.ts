import { jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/app.config.js';
import { toPem } from '../../emrtd/index.js';
import { buildCrl, generateCsca, generatePassportFixture, type PassportFixture } from '../../emrtd/testing/index.js';
import { ChipVerifierService } from './chip-verifier.service.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-12-01T10:00:00.000Z');

let dir: string;
let passport: PassportFixture;
const services: ChipVerifierService[] = [];

function service(crlPolicy: AppConfig['crlPolicy'], trustStoreDir: string | null = dir): ChipVerifierService {
  const created = new ChipVerifierService({ cscaTrustStoreDir: trustStoreDir, crlPolicy, serverSecret: 'x'.repeat(32) } as AppConfig);
  created.onModuleInit();
  services.push(created);
  return created;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'passline-chip-'));
  const csca = await generateCsca({ now: NOW });
  passport = await generatePassportFixture({ csca, now: NOW });
  writeFileSync(join(dir, 'csca.pem'), csca.certPem);
  const stale = buildCrl({ issuer: csca, thisUpdate: new Date(NOW.getTime() - 40 * DAY_MS), nextUpdate: new Date(NOW.getTime() - DAY_MS), crlNumber: 9 });
  writeFileSync(join(dir, 'csca.crl'), toPem(stale, 'X509 CRL'));
});

afterEach(() => jest.restoreAllMocks());

afterAll(() => {
  for (const created of services) created.onModuleDestroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('ChipVerifierService with a stale CRL', () => {
  it('accepts under soft and warns once per CRL per hour', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const chip = service('soft');
    const at = (minutes: number) => chip.verify(passport.dg1, passport.dg2, passport.sod, new Date(NOW.getTime() + minutes * 60_000));
    for (const minutes of [0, 1, 59]) expect(await at(minutes)).toMatchObject({ ok: true });
    const staleWarnings = () => warn.mock.calls.filter(([message]) => String(message).includes('past its nextUpdate'));
    expect(staleWarnings()).toHaveLength(1);
    expect(String(staleWarnings()[0][0])).toMatch(/^CRL csca\.crl of "C=UT, O=Utopia, CN=Passline Test CSCA" is past its nextUpdate .*CRL_POLICY=soft/);
    expect(await at(61)).toMatchObject({ ok: true });
    expect(staleWarnings()).toHaveLength(2);
  });

  it('fails with document_authenticity_failed (crl_stale) under strict', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const result = await service('strict').verify(passport.dg1, passport.dg2, passport.sod, NOW);
    expect(result).toEqual({ ok: false, code: 'document_authenticity_failed', reason: expect.stringMatching(/^crl_stale: /) });
  });

  it('reloads on SIGHUP, and only warns when there is no trust store to reload', () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const chips = [service('soft'), service('soft', null)];
    process.emit('SIGHUP', 'SIGHUP');
    expect(log.mock.calls.map(([message]) => String(message))).toContain(`CSCA trust store: reloading ${dir} (SIGHUP)`);
    expect(warn.mock.calls.map(([message]) => String(message))).toContain('SIGHUP: CSCA_TRUST_STORE_DIR is not set, there is no trust store to reload.');
    for (const chip of chips) chip.onModuleDestroy();
  });

  it('removes its SIGHUP listener when the module is destroyed', () => {
    const before = process.listenerCount('SIGHUP');
    const chip = service('soft');
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    chip.onModuleDestroy();
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });
});
