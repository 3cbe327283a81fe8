import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { JsonTextColumn, TimestampColumn } from '../../database/columns.js';
import { Organization } from '../../organizations/entities/organization.entity.js';
import type { Scope } from '../scopes.js';

@Entity({ name: 'api_keys' })
@Index('UQ_api_keys_key_hash', ['keyHash'], { unique: true })
@Index('IDX_api_keys_org_created', ['organizationId', 'createdAt', 'id'])
export class ApiKey {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'FK_api_keys_organization' })
  organization?: Organization;

  @Column({ type: 'varchar', length: 120 })
  name: string;

  @Column({ type: 'boolean' })
  livemode: boolean;

  @JsonTextColumn()
  scopes: Scope[];

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ name: 'key_prefix', type: 'varchar', length: 12 })
  keyPrefix: string;

  /** Lowercase hex HMAC-SHA256(SERVER_SECRET, key); the key itself is never stored. */
  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash: string;

  @TimestampColumn({ name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;

  @TimestampColumn({ name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;
}
