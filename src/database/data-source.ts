import { DataSource } from 'typeorm';
import { loadSettings } from '../config/app.config.js';
import { buildDataSourceOptions } from './data-source-options.js';

/** The data source the TypeORM CLI uses (`npm run migration:*`), from the same factory as the app. */
export const dataSource = new DataSource(buildDataSourceOptions(loadSettings(process.env)));
export default dataSource;
