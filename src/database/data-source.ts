import { DataSource } from 'typeorm';
import { loadSettings } from '../config/app.config.js';
import { buildDataSourceOptions } from './data-source-options.js';

/** The data source the TypeORM CLI uses (`npm run migration:*`), from the same factory as the app. */
// The TypeORM CLI wants exactly one export: the data source, as the default.
export default new DataSource(buildDataSourceOptions(loadSettings(process.env)));
