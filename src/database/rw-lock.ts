type Waiter = { exclusive: boolean; resolve: () => void };

/**
 * A fair (FIFO) readers-writer lock. On SQLite TypeORM shares one connection, so two
 * overlapping transactions would merge into one; every transaction takes the lock
 * exclusively, and reads take it shared so they never see another request's
 * uncommitted rows. Waiters are served strictly in arrival order.
 */
export class FifoRwLock {
  private readers = 0;
  private writer = false;
  private readonly queue: Waiter[] = [];

  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire(true);
    try {
      return await work();
    } finally {
      this.writer = false;
      this.drain();
    }
  }

  async shared<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire(false);
    try {
      return await work();
    } finally {
      this.readers--;
      this.drain();
    }
  }

  /** Number of callers waiting for the lock (for diagnostics and tests). */
  get pending(): number {
    return this.queue.length;
  }

  private acquire(exclusive: boolean): Promise<void> {
    if (this.queue.length === 0 && this.canGrant(exclusive)) {
      this.grant(exclusive);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push({ exclusive, resolve }));
  }

  private canGrant(exclusive: boolean): boolean {
    return exclusive ? !this.writer && this.readers === 0 : !this.writer;
  }

  private grant(exclusive: boolean): void {
    if (exclusive) this.writer = true;
    else this.readers++;
  }

  private drain(): void {
    while (this.queue.length > 0 && this.canGrant(this.queue[0].exclusive)) {
      const next = this.queue.shift()!;
      this.grant(next.exclusive);
      next.resolve();
    }
  }
}
