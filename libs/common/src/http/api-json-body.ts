import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiPayloadTooLargeResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';

/** The refusals every route taking a JSON body can answer, documented once. */
export const ApiJsonBodyErrors = (badRequest: string): MethodDecorator =>
  applyDecorators(
    ApiBadRequestResponse({ description: `${badRequest}; the body's \`fields\` names each bad field` }),
    ApiPayloadTooLargeResponse({ description: 'The body is over 16 KiB' }),
    ApiUnsupportedMediaTypeResponse({ description: 'The body is not application/json' }),
  );
