import { FifoRwLock } from './rw-lock.js';

/** A promise plus its resolver, to hold a lock holder open until the test says so. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Lets every already-resolved continuation run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('FifoRwLock', () => {
  it('returns the value of the work and passes its rejection through', async () => {
    const lock = new FifoRwLock();
    await expect(lock.exclusive(async () => 42)).resolves.toBe(42);
    await expect(lock.shared(async () => 'read')).resolves.toBe('read');
    await expect(lock.exclusive(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });

  it('lets readers share the lock', async () => {
    const lock = new FifoRwLock();
    const g = gate();
    let active = 0;
    let maxActive = 0;
    const reads = Array.from({ length: 5 }, () =>
      lock.shared(async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await g.promise;
        active--;
      }),
    );
    await settle();
    expect(active).toBe(5);
    expect(lock.pending).toBe(0);
    g.open();
    await Promise.all(reads);
    expect(maxActive).toBe(5);
  });

  it('gives a writer the lock alone: it waits for readers and holds off readers and writers', async () => {
    const lock = new FifoRwLock();
    const log: string[] = [];
    const readerGate = gate();
    const writerGate = gate();

    const reader = lock.shared(async () => {
      log.push('r1 start');
      await readerGate.promise;
      log.push('r1 end');
    });
    const writer = lock.exclusive(async () => {
      log.push('w start');
      await writerGate.promise;
      log.push('w end');
    });
    await settle();
    expect(log).toEqual(['r1 start']); // the writer waits for the reader
    expect(lock.pending).toBe(1);

    readerGate.open();
    await settle();
    expect(log).toEqual(['r1 start', 'r1 end', 'w start']);

    const laterReader = lock.shared(async () => void log.push('r2'));
    const laterWriter = lock.exclusive(async () => void log.push('w2'));
    await settle();
    expect(log).toEqual(['r1 start', 'r1 end', 'w start']); // both held off by the writer
    expect(lock.pending).toBe(2);

    writerGate.open();
    await Promise.all([reader, writer, laterReader, laterWriter]);
    expect(log).toEqual(['r1 start', 'r1 end', 'w start', 'w end', 'r2', 'w2']);
    expect(lock.pending).toBe(0);
  });

  it('never runs two writers at once', async () => {
    const lock = new FifoRwLock();
    let active = 0;
    let maxActive = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        lock.exclusive(async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          await new Promise((r) => setTimeout(r, i % 3));
          active--;
        }),
      ),
    );
    expect(maxActive).toBe(1);
  });

  it('makes later readers queue behind a waiting writer (no writer starvation)', async () => {
    const lock = new FifoRwLock();
    const log: string[] = [];
    const firstReader = gate();
    const reader1 = lock.shared(async () => {
      log.push('r1');
      await firstReader.promise;
      log.push('r1 end');
    });
    const writer = lock.exclusive(async () => void log.push('w'));
    const reader2 = lock.shared(async () => void log.push('r2'));
    await settle();
    // r2 could share with r1, but the writer arrived first and is waiting.
    expect(log).toEqual(['r1']);
    expect(lock.pending).toBe(2);
    firstReader.open();
    await Promise.all([reader1, writer, reader2]);
    expect(log).toEqual(['r1', 'r1 end', 'w', 'r2']);
  });

  it('serves waiters strictly in arrival order, admitting consecutive readers together', async () => {
    const lock = new FifoRwLock();
    const order: string[] = [];
    const hold = gate();
    const first = lock.exclusive(async () => {
      await hold.promise;
      order.push('w0');
    });
    const kinds = ['r', 'r', 'w', 'r', 'w', 'w', 'r', 'r', 'r', 'w'];
    const active = { readers: 0, writers: 0 };
    const overlaps: string[] = [];
    let maxReaders = 0;
    const waiters = kinds.map((kind, i) => {
      const name = `${kind}${i + 1}`;
      const work = async () => {
        if (kind === 'w') {
          if (active.readers || active.writers) overlaps.push(name);
          active.writers++;
        } else {
          if (active.writers) overlaps.push(name);
          active.readers++;
          maxReaders = Math.max(maxReaders, active.readers);
        }
        order.push(name);
        await new Promise((r) => setTimeout(r, 1));
        if (kind === 'w') active.writers--;
        else active.readers--;
      };
      return kind === 'w' ? lock.exclusive(work) : lock.shared(work);
    });
    await settle();
    expect(lock.pending).toBe(kinds.length);
    hold.open();
    await Promise.all([first, ...waiters]);
    expect(order).toEqual(['w0', ...kinds.map((k, i) => `${k}${i + 1}`)]);
    expect(overlaps).toEqual([]);
    expect(maxReaders).toBe(3); // r7, r8 and r9 held the lock together
  });

  it('releases the lock when a writer or a reader throws', async () => {
    const lock = new FifoRwLock();
    await expect(
      lock.exclusive(async () => {
        throw new Error('writer failed');
      }),
    ).rejects.toThrow('writer failed');
    await expect(
      lock.shared(async () => {
        throw new Error('reader failed');
      }),
    ).rejects.toThrow('reader failed');
    // A work function that throws before returning a promise releases it too.
    const throwsSynchronously = (): Promise<never> => {
      throw new Error('sync');
    };
    await expect(lock.exclusive(throwsSynchronously)).rejects.toThrow('sync');
    await expect(lock.shared(throwsSynchronously)).rejects.toThrow('sync');

    const ran: string[] = [];
    await Promise.all([lock.exclusive(async () => void ran.push('w')), lock.shared(async () => void ran.push('r'))]);
    expect(ran).toEqual(['w', 'r']);
    expect(lock.pending).toBe(0);
  });

  it('hands the lock on to queued waiters after a failure', async () => {
    const lock = new FifoRwLock();
    const hold = gate();
    const failing = lock.exclusive(async () => {
      await hold.promise;
      throw new Error('late failure');
    });
    const next = lock.exclusive(async () => 'next ran');
    const reader = lock.shared(async () => 'reader ran');
    hold.open();
    await expect(failing).rejects.toThrow('late failure');
    await expect(next).resolves.toBe('next ran');
    await expect(reader).resolves.toBe('reader ran');
  });
});
