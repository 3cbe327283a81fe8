import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { Page } from './envelope.js';

/** Wraps handler results in the success envelope of §1.2; 204 handlers send nothing. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((result: unknown) => {
        if (result === undefined) return undefined;
        if (result instanceof Page) return { data: result.items, error: null, pagination: result.pagination };
        return { data: result, error: null };
      }),
    );
  }
}
