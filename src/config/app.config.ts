import { Logger } from '@nestjs/common';
import { registerAs, type ConfigType } from '@nestjs/config';
import { readSettings, type AppSettings } from './settings.js';

export { loggingSettings, parseTrustProxy, type AppSettings, type DatabaseConfig } from './settings.js';

/** The typed settings, warning through Nest's logger (a generated development SERVER_SECRET). */
export function loadSettings(raw: Record<string, string | undefined> = process.env): AppSettings {
  return readSettings(raw, (message) => new Logger('Config').warn(message));
}

/** Typed settings for injection: `@Inject(appConfig.KEY) config: AppConfig`. */
export const appConfig = registerAs('app', () => loadSettings(process.env));
export type AppConfig = ConfigType<typeof appConfig>;
