import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators.js';
import { DatabaseService } from '../database/database.service.js';
import { HealthResponse } from './dto/health.response.js';
import { ApiEnvelope } from '../common/swagger.js';

export const APP_VERSION = '1.0.0';

/** Liveness with a database ping (§9.1): 200 healthy, 503 when the database is down. */
@ApiTags('Health')
@Public()
@Controller('health')
export class HealthController {
  /** The ping in flight: concurrent checks share it rather than queue one query each. */
  private pendingPing: Promise<boolean> | null = null;

  constructor(private readonly db: DatabaseService) {}

  @ApiOperation({ operationId: 'getHealth', summary: 'Service and database health' })
  @ApiEnvelope(HealthResponse)
  @ApiResponse({
    status: 503,
    description: 'The database is down: the same envelope, with `status` "unhealthy" and `database` "down".',
    schema: { type: 'object', required: ['data', 'error'], properties: { data: { $ref: getSchemaPath(HealthResponse) }, error: { type: 'object', nullable: true, enum: [null] } } },
  })
  @Get()
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthResponse> {
    const up = await (this.pendingPing ??= this.db.ping().finally(() => (this.pendingPing = null)));
    if (!up) void reply.status(503);
    return { status: up ? 'healthy' : 'unhealthy', database: up ? 'up' : 'down', version: APP_VERSION };
  }
}
