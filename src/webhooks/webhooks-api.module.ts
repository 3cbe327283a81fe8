import { Module } from '@nestjs/common';
import { EventsController } from '../events/events.controller.js';
import { EventsQueryService } from '../events/events-query.service.js';
import { WebhookDeliveriesController } from './deliveries/deliveries.controller.js';
import { WebhookDeliveriesService } from './deliveries/deliveries.service.js';
import { WebhookEndpointsController } from './endpoints/endpoints.controller.js';
import { WebhookEndpointsService } from './endpoints/endpoints.service.js';
import { WebhookKeysController } from './keys/keys.controller.js';
import { WebhookKeysService } from './keys/keys.service.js';
import { WebhooksModule } from './webhooks.module.js';

/** The webhooks REST API (§5.2–5.10): endpoints, signing secrets, keys, events, deliveries. */
@Module({
  imports: [WebhooksModule],
  controllers: [WebhookEndpointsController, WebhookKeysController, EventsController, WebhookDeliveriesController],
  providers: [WebhookEndpointsService, WebhookKeysService, EventsQueryService, WebhookDeliveriesService],
})
export class WebhooksApiModule {}
