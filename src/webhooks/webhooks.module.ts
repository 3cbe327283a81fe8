import { Global, Module } from '@nestjs/common';
import { EventDeliveries } from '../events/event-deliveries.js';
import { WebhookEventDeliveries } from './deliveries/event-deliveries.adapter.js';
import { WebhookDispatcher } from './dispatcher.service.js';
import { HostResolver, SystemHostResolver } from './host-resolver.js';
import { JweEncrypter } from './jwe.js';
import { WebhookOutbox } from './outbox.service.js';

/**
 * The delivery engine: outbox fan-out and the dispatcher. Global because it plugs the events
 * API's EventDeliveries port, which the events module (below this one) cannot import.
 */
@Global()
@Module({
  providers: [
    WebhookDispatcher,
    WebhookOutbox,
    { provide: JweEncrypter, useValue: new JweEncrypter() },
    { provide: HostResolver, useClass: SystemHostResolver },
    { provide: EventDeliveries, useClass: WebhookEventDeliveries },
  ],
  exports: [WebhookDispatcher, EventDeliveries],
})
export class WebhooksModule {}
