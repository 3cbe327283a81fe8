import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { appConfig, type AppConfig } from '../../config/app.config.js';
import {
  createTrustStore,
  extractPortrait,
  loadTrustStore,
  parseDg1,
  passiveAuthenticate,
  type Td3Mrz,
  type TrustStore,
} from '../../emrtd/index.js';
import { buildClaims } from '../../sessions/share-contract/index.js';
import { ChipVerifier, type ChipCheckResult } from './chip-check.js';

/**
 * The chip checks of `nfc_complete` (§6.7 steps 3-4): passive authentication against the
 * CSCA trust store loaded at start-up, then DG1 (TD3 MRZ) and the DG2 portrait.
 */
@Injectable()
export class ChipVerifierService extends ChipVerifier implements OnModuleInit {
  private readonly logger = new Logger('PassiveAuth');
  private trustStore: TrustStore = createTrustStore([]);

  constructor(@Inject(appConfig.KEY) private readonly config: AppConfig) {
    super();
  }

  onModuleInit(): void {
    const dir = this.config.cscaTrustStoreDir;
    if (!dir) {
      this.logger.warn('CSCA_TRUST_STORE_DIR is not set: every live chip check fails (document_authenticity_failed).');
      return;
    }
    this.trustStore = loadTrustStore(dir, (message) => this.logger.log(message));
  }

  async verify(dg1: Uint8Array, dg2: Uint8Array, sod: Uint8Array, now: Date): Promise<ChipCheckResult> {
    const auth = await passiveAuthenticate({ dg1, dg2, sod, trustStore: this.trustStore, now });
    if (!auth.ok) return { ok: false, code: 'document_authenticity_failed', reason: `${auth.reason}: ${auth.detail}` };
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
