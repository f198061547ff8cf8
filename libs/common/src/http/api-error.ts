import { HttpException, HttpStatus } from '@nestjs/common';

export interface FieldError {
  field: string;
  errors: string[];
}

/** The JSON body of every error answer. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: string;
  fields?: FieldError[];
  dependency?: string;
  traceId?: string;
}

export class ApiException extends HttpException {
  constructor(status: HttpStatus, body: Omit<ApiErrorBody, 'statusCode' | 'error'> & { error?: string }) {
    super({ statusCode: status, error: body.error ?? defaultReason(status), ...body }, status);
  }
}

export class BadInputException extends ApiException {
  constructor(fields: FieldError[]) {
    super(HttpStatus.BAD_REQUEST, {
      code: 'VALIDATION_FAILED',
      message: fields.flatMap((f) => f.errors).join('; '),
      fields,
    });
  }

  static field(field: string, error: string): BadInputException {
    return new BadInputException([{ field, errors: [error] }]);
  }
}

/** A service this one depends on is down, slow or broken: the caller should retry later. */
export class DependencyUnavailableException extends ApiException {
  constructor(dependency: string, reason: string) {
    super(HttpStatus.SERVICE_UNAVAILABLE, {
      code: 'DEPENDENCY_UNAVAILABLE',
      message: `${dependency} is unavailable: ${reason}`,
      dependency,
    });
  }
}

export function defaultReason(status: number): string {
  const name = HttpStatus[status] as string | undefined;
  if (!name) return 'Error';
  return name
    .split('_')
    .map((word) => word.charAt(0) + word.slice(1).toLowerCase())
    .join(' ');
}

/**
 * A client's mistake answered as designed (a 404, a 403, a 409): made without a stack trace. Nobody reads one
 * (the filter logs only unexpected errors, spans leave 4xx alone), and capturing it is most of what creating
 * the exception costs (about 8 µs of a 404's CPU against under 1 µs without).
 */
export function refusal<T extends Error>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
