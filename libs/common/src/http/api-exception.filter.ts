import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { FastifyReply } from 'fastify';
import { ApiErrorBody, defaultReason } from './api-error';
import { failedDependency } from './dependency-errors';

/**
 * Maps every error to a status and one JSON shape. A 5xx is logged and recorded on the server span with its stack
 * (the HTTP instrumentation marks the span an error); a 4xx is the client's, and neither.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(ApiExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = this.toBody(exception);
    const span = trace.getActiveSpan();
    if (span) body.traceId = span.spanContext().traceId;
    if (body.statusCode >= 500) span?.recordException(exception as Error);
    void reply.status(body.statusCode).send(body);
  }

  toBody(exception: unknown): ApiErrorBody {
    if (exception instanceof HttpException) return fromHttpException(exception);
    if (isClientError(exception)) return fromFastifyError(exception);
    const dependency = failedDependency(exception);
    if (dependency) {
      this.logger.warn({ err: exception, dependency }, `${dependency} is unavailable`);
      return {
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        error: defaultReason(HttpStatus.SERVICE_UNAVAILABLE),
        code: 'DEPENDENCY_UNAVAILABLE',
        message: `${dependency} is unavailable: ${(exception as Error).message}`,
        dependency,
      };
    }
    this.logger.error({ err: exception }, 'Unexpected error');
    return { statusCode: 500, error: defaultReason(500), message: 'Internal server error' };
  }
}

interface FastifyClientError extends Error {
  statusCode: number;
  code?: string;
  validation?: {
    instancePath?: string;
    params?: { missingProperty?: string; additionalProperty?: string };
    message?: string;
  }[];
}

// Fastify's own refusals (a route's JSON schema, before Nest is involved) keep their 4xx and name the field.
function isClientError(error: unknown): error is FastifyClientError {
  const status = (error as FastifyClientError | undefined)?.statusCode;
  return error instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
}

function fromFastifyError(error: FastifyClientError): ApiErrorBody {
  const fields = (error.validation ?? []).map((v) => ({
    field:
      v.params?.missingProperty ??
      v.params?.additionalProperty ??
      v.instancePath?.replace(/^\//, '') ??
      'body',
    errors: [v.message ?? error.message],
  }));
  return {
    statusCode: error.statusCode,
    error: defaultReason(error.statusCode),
    code: error.code,
    message: error.message,
    ...(fields.length && { fields }),
  };
}

function fromHttpException(exception: HttpException): ApiErrorBody {
  const statusCode = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const { message, ...rest } = response as Record<string, unknown>;
    return {
      ...rest,
      statusCode,
      error: typeof rest.error === 'string' ? rest.error : defaultReason(statusCode),
      message: Array.isArray(message) ? message.join('; ') : String(message),
    } as ApiErrorBody;
  }
  const message = String(response);
  // Fastify refuses these before routing; Nest hands them over with the message only.
  const aboutBody =
    statusCode === HttpStatus.PAYLOAD_TOO_LARGE || statusCode === HttpStatus.UNSUPPORTED_MEDIA_TYPE;
  return {
    statusCode,
    error: defaultReason(statusCode),
    message,
    ...(aboutBody && { fields: [{ field: 'body', errors: [message] }] }),
  };
}
