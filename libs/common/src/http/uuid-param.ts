import { Param, ParseUUIDPipe } from '@nestjs/common';
import { BadInputException } from './api-error';

/** A route parameter that must be a UUID; anything else is a 400 naming the parameter. */
export const UuidParam = (name: string): ParameterDecorator =>
  Param(
    name,
    new ParseUUIDPipe({ exceptionFactory: () => BadInputException.field(name, `${name} must be a UUID`) }),
  );
