import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { appConfig, type AppConfig } from '../../config/app.config.js';
import {
  ReloadableTrustStore,
  StaleCrlWarnings,
  createTrustStore,
  extractPortrait,
  parseDg1,
  passiveAuthenticate,
  type Td3Mrz,
  type TrustStore,
  type TrustStoreLog,
} from '../../emrtd/index.js';
import { buildClaims } from '../../sessions/share-contract/index.js';
import { ChipVerifier, type ChipCheckResult } from './chip-check.js';

const EMPTY_STORE: TrustStore = createTrustStore([]);

/**
 * The chip checks of `nfc_complete` (§6.7 steps 3-4): passive authentication against the
 * CSCA trust store and its CRLs, then DG1 (TD3 MRZ) and the DG2 portrait. The store is read at
 * start-up and again whenever its folder changes or the process gets SIGHUP.
 */
@Injectable()
export class ChipVerifierService extends ChipVerifier implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('PassiveAuth');
  private trustStore: ReloadableTrustStore | null = null;
  private readonly staleCrlWarnings = new StaleCrlWarnings();
  private readonly onSighup = (): void => {
    if (this.trustStore) this.trustStore.reload('SIGHUP');
    else this.logger.warn('SIGHUP: CSCA_TRUST_STORE_DIR is not set, there is no trust store to reload.');
  };

  constructor(@Inject(appConfig.KEY) private readonly config: AppConfig) {
    super();
  }

  onModuleInit(): void {
    // configureApp() leaves SIGHUP out of the shutdown signals, so it reloads rather than stops,
    // and is answered even without a trust store (its default action would kill the process).
    process.on('SIGHUP', this.onSighup);
    const dir = this.config.cscaTrustStoreDir;
    if (!dir) {
      this.logger.warn('CSCA_TRUST_STORE_DIR is not set: every live chip check fails (document_authenticity_failed).');
      return;
    }
    const log: TrustStoreLog = (message, level) => (level === 'warn' ? this.logger.warn(message) : this.logger.log(message));
    this.trustStore = new ReloadableTrustStore(dir, log);
    this.trustStore.watch();
  }

  onModuleDestroy(): void {
    process.off('SIGHUP', this.onSighup);
    this.trustStore?.close();
  }

  async verify(dg1: Uint8Array, dg2: Uint8Array, sod: Uint8Array, now: Date): Promise<ChipCheckResult> {
    // Read once: a reload swaps the whole store, and this verification keeps the one it started with.
    const trustStore = this.trustStore?.current ?? EMPTY_STORE;
    const auth = await passiveAuthenticate({ dg1, dg2, sod, trustStore, now, crlPolicy: this.config.crlPolicy });
    if (!auth.ok) return { ok: false, code: 'document_authenticity_failed', reason: `${auth.reason}: ${auth.detail}` };
    if (auth.staleCrl && this.staleCrlWarnings.due(auth.staleCrl.fingerprint, now)) {
      const crl = auth.staleCrl;
      this.logger.warn(
        `CRL ${crl.source} of "${crl.issuer}" is past its nextUpdate (${crl.nextUpdate}); accepting under CRL_POLICY=soft. Refresh it in CSCA_TRUST_STORE_DIR.`,
      );
    }
    const mrz = parseDg1(dg1, now);
    if (!mrz.ok) return { ok: false, code: 'document_data_invalid', reason: mrz.reason };
    const portrait = extractPortrait(dg2);
    if (!portrait.ok) return { ok: false, code: 'document_data_invalid', reason: portrait.reason };
    const { image, format, width, height } = portrait;
    return { ok: true, mrz: mrz.mrz, portrait: { image, format, width, height } };
  }

  buildClaims(
    check: Extract<ChipCheckResult, { ok: true }>,
    keys: string[],
    context: { organizationId: string; now: Date },
  ): Record<string, unknown> {
    return buildClaims({
      mrz: check.mrz as Td3Mrz,
      portrait: check.portrait,
      selectedKeys: keys,
      organizationId: context.organizationId,
      serverSecret: this.config.serverSecret,
      now: context.now,
    });
  }
}
