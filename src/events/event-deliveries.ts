import type { EntityManager } from 'typeorm';

/** The states of one delivery (§5.10); the delivery engine moves a delivery through them. */
export const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One delivery of an event, as much of it as the events API shows (§5.9). */
export interface EventDelivery {
  id: string;
  eventId: string;
  endpointId: string;
  status: DeliveryStatus;
  attemptCount: number;
  lastStatusCode: number | null;
  lastAttemptAt: Date | null;
}

/**
 * What the events API needs from whoever delivers events: their deliveries, and a replay.
 * Events sit below webhooks: the webhooks module provides this port, so events never import
 * the delivery engine.
 */
export abstract class EventDeliveries {
  /** Deliveries of the given events, oldest first (§1.7), keyed by event id. */
  abstract deliveriesOf(manager: EntityManager, eventIds: string[]): Promise<Map<string, EventDelivery[]>>;

  /**
   * Resets every delivery of the event that still has a payload and makes it due now; answers
   * how many were reset (0: nothing to replay).
   */
  abstract replay(manager: EntityManager, eventId: string, now: Date): Promise<number>;
}
