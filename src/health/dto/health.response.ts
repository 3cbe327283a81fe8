export class HealthResponse {
  /**
   * `healthy` or `unhealthy`.
   * @example "healthy"
   */
  status: 'healthy' | 'unhealthy';

  /**
   * `up` when the database answered a ping.
   * @example "up"
   */
  database: 'up' | 'down';

  /**
   * Service version.
   * @example "1.0.0"
   */
  version: string;
}
