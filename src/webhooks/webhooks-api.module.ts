import { Module } from '@nestjs/common';
import { WebhookDeliveriesController } from './deliveries/deliveries.controller.js';
import { WebhookDeliveriesService } from './deliveries/deliveries.service.js';
import { WebhookEndpointsController } from './endpoints/endpoints.controller.js';
import { WebhookEndpointsService } from './endpoints/endpoints.service.js';
import { WebhookKeysController } from './keys/keys.controller.js';
import { WebhookKeysService } from './keys/keys.service.js';
import { WebhooksModule } from './webhooks.module.js';

/** The webhooks REST API (§5.2–5.10): endpoints, signing secrets, keys, deliveries. Events are
 * served by the events module. */
@Module({
  imports: [WebhooksModule],
  controllers: [WebhookEndpointsController, WebhookKeysController, WebhookDeliveriesController],
  providers: [WebhookEndpointsService, WebhookKeysService, WebhookDeliveriesService],
})
export class WebhooksApiModule {}
