import { ApiKey } from '../auth/entities/api-key.entity.js';
import { Organization } from '../organizations/entities/organization.entity.js';

/** Every entity, for the data source options shared by the app, the CLI and ormconfig.ts. */
export const ENTITIES = [Organization, ApiKey];
