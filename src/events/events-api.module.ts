import { Module } from '@nestjs/common';
import { EventsController } from './events.controller.js';
import { EventsQueryService } from './events-query.service.js';

/**
 * The events REST API (§5.9): list, read and replay. The deliveries an event shows come through
 * the EventDeliveries port, which the (global) webhooks module provides, so this module never
 * imports the delivery engine.
 */
@Module({
  controllers: [EventsController],
  providers: [EventsQueryService],
})
export class EventsApiModule {}
