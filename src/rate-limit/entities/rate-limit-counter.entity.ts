import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One fixed 60-second window of one bucket (PostgreSQL deployments, shared by instances). */
@Entity({ name: 'rate_limit_counters' })
export class RateLimitCounter {
  @PrimaryColumn({ name: 'bucket_key', type: 'varchar', length: 128 })
  bucketKey: string;

  /** Window start, epoch milliseconds (a multiple of 60 000). */
  @PrimaryColumn({ name: 'window_start', type: 'bigint' })
  windowStart: string;

  @Column({ type: 'integer' })
  count: number;
}
