// TypeORM CLI entry for TypeScript-aware tooling; the npm scripts use the compiled
// twin (dist/src/database/data-source.js). Both come from the one options factory.
export { default } from './src/database/data-source.js';
