import { watch, type FSWatcher } from 'node:fs';
import { ParsedFileCache, TrustStoreReadError, loadTrustStore, type TrustStore, type TrustStoreLog } from './trust-store.js';

export interface ReloadOptions {
  /** The least time between two reloads caused by file changes (§6.7: at most once a second). */
  minIntervalMs?: number;
  /** Quiet time after a change before reading, so one copy or rename (several events) is one reload. */
  settleMs?: number;
}

/**
 * The trust store of a running server (§6.7 "Reloading"): one immutable TrustStore held by
 * reference and replaced whole, so a verification that read `current` once sees the old store or
 * the new one, never half of each. The first load skips unreadable files with a warning; a
 * reload is strict and, when any file cannot be read, keeps the previous store and says why.
 *
 * The folder is watched, not its files: downloads and editors replace a file by renaming a new
 * one over it, which a watch on the old file would never see. Files whose bytes did not change
 * since the last load are not parsed again.
 */
export class ReloadableTrustStore {
  private store: TrustStore;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastReloadAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private readonly minIntervalMs: number;
  private readonly settleMs: number;
  private readonly cache = new ParsedFileCache();

  constructor(
    readonly dir: string,
    private readonly log: TrustStoreLog,
    options: ReloadOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.settleMs = options.settleMs ?? 100;
    this.store = loadTrustStore(dir, log, { cache: this.cache });
  }

  get current(): TrustStore {
    return this.store;
  }

  /** Re-reads the folder now; true when the new store is in service. */
  reload(trigger: string): boolean {
    this.lastReloadAt = Date.now();
    this.log(`CSCA trust store: reloading ${this.dir} (${trigger})`);
    let next: TrustStore;
    try {
      next = loadTrustStore(this.dir, this.log, { strict: true, cache: this.cache });
    } catch (error) {
      const why = error instanceof TrustStoreReadError ? error.problems.join('; ') : (error as Error).message;
      const kept = `${this.store.certificates.length} CSCA certificate(s) and ${this.store.crls.length} CRL(s)`;
      this.log(`CSCA trust store: reload failed, keeping the previous store (${kept}): ${why}`, 'warn');
      return false;
    }
    this.store = next;
    return true;
  }

  /** Starts watching the folder; the watcher never keeps the process alive. */
  watch(): void {
    if (this.closed || this.watcher) return;
    try {
      this.watcher = watch(this.dir, { persistent: false }, () => this.scheduleReload());
    } catch (error) {
      this.log(`CSCA trust store: cannot watch ${this.dir} (${(error as Error).message}); send SIGHUP to reload it`, 'warn');
      return;
    }
    this.watcher.on('error', (error) => {
      // The folder itself was removed or replaced: its watch is dead. SIGHUP still reloads.
      this.log(`CSCA trust store: stopped watching ${this.dir} (${error.message}); send SIGHUP to reload it`, 'warn');
      this.watcher?.close();
      this.watcher = null;
    });
  }

  /** Stops the watcher and any pending reload. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.watcher?.close();
    this.watcher = null;
  }

  /** One reload per burst of changes, no sooner than minIntervalMs after the last one. */
  private scheduleReload(): void {
    if (this.closed || this.timer) return;
    const delay = Math.max(this.settleMs, this.lastReloadAt + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.closed) this.reload('a file changed');
    }, delay);
    this.timer.unref();
  }
}
