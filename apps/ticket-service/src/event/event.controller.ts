import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { EventSummaryDto } from './event-summary.dto';
import { EventService } from './event.service';

@ApiTags('event')
@Controller('event')
export class EventController {
  constructor(private readonly eventService: EventService) {}

  @Get()
  @ApiOkResponse({ type: EventSummaryDto })
  @ApiServiceUnavailableResponse({ description: 'Postgres is unavailable' })
  summary(): Promise<EventSummaryDto> {
    return this.eventService.summary();
  }
}
