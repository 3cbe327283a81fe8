import { Injectable } from '@nestjs/common';

/** The time source of every state change; tests move it instead of sleeping. */
@Injectable()
export class Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Test hook: shift the clock forward (or back) by `ms`. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
