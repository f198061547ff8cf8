import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { Observable } from 'rxjs';

/**
 * Names the controller and handler that served a request on the request's own server span, as the semantic
 * conventions' `code.function.name`: one span a hop, where Nest's instrumentation would add two more.
 */
@Injectable()
export class HandlerNameInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handler = `${context.getClass().name}.${context.getHandler().name}`;
    trace.getActiveSpan()?.setAttribute('code.function.name', handler);
    return next.handle();
  }
}
