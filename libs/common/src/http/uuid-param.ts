import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { BadInputException } from './api-error';

/**
 * A route parameter that must be a UUID: anything else is a 400 naming the parameter, and the OpenAPI document
 * says `format: uuid` so that clients and fuzzers know it.
 */
export const UuidParam =
  (name: string): ParameterDecorator =>
  (target, key, index) => {
    Param(
      name,
      new ParseUUIDPipe({ exceptionFactory: () => BadInputException.field(name, `${name} must be a UUID`) }),
    )(target, key, index);
    if (key !== undefined) {
      ApiParam({ name, type: String, format: 'uuid', required: true })(
        target,
        key,
        Object.getOwnPropertyDescriptor(target, key)!,
      );
    }
  };
