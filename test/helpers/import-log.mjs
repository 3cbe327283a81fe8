// `node --import ./test/helpers/import-log.mjs …` records what the process imports.
import { register } from 'node:module';

register('./import-log-hooks.mjs', import.meta.url);
