import { Module } from '@nestjs/common';
import { WebhookDispatcher } from './dispatcher.service.js';
import { HostResolver, SystemHostResolver } from './host-resolver.js';
import { JweEncrypter } from './jwe.js';
import { WebhookOutbox } from './outbox.service.js';

/** The delivery engine: outbox fan-out and the dispatcher. */
@Module({
  providers: [
    WebhookDispatcher,
    WebhookOutbox,
    { provide: JweEncrypter, useValue: new JweEncrypter() },
    { provide: HostResolver, useClass: SystemHostResolver },
  ],
  exports: [WebhookDispatcher],
})
export class WebhooksModule {}
