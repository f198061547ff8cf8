import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { BadInputException, FieldError, refusal } from './api-error';

/** Whitelisting validation whose errors name each bad field; a body that is not a JSON object is refused. */
@Injectable()
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) =>
        refusal(() => new BadInputException(errors.flatMap((e) => toFieldErrors(e)))),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && isDto(metadata.metatype)) {
      // No body at all is an empty object; a JSON null is not an object.
      if (value === undefined) value = {};
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw refusal(() => BadInputException.field('body', 'body must be a JSON object'));
      }
    }
    return super.transform(value, metadata);
  }
}

function isDto(metatype: ArgumentMetadata['metatype']): boolean {
  return !!metatype && ![String, Boolean, Number, Array, Object].includes(metatype as never);
}

function toFieldErrors(error: ValidationError, parent = ''): FieldError[] {
  const field = parent ? `${parent}.${error.property}` : error.property;
  const own = error.constraints ? [{ field, errors: Object.values(error.constraints) }] : [];
  return [...own, ...(error.children ?? []).flatMap((child) => toFieldErrors(child, field))];
}
