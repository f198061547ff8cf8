import { ApiJsonBodyErrors, UuidParam } from '@app/common';
import { Body, Controller, Get, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { BuyTicketDto } from './dto/buy-ticket.dto';
import { TicketDto } from './dto/ticket.dto';
import { TicketsService } from './tickets.service';

@ApiTags('tickets')
@ApiServiceUnavailableResponse({ description: 'Postgres or queue-service is unavailable' })
@Controller('tickets')
export class TicketsController {
  constructor(private readonly ticketsService: TicketsService) {}

  @Post()
  @ApiCreatedResponse({ type: TicketDto, description: 'A seat was taken for the user' })
  @ApiOkResponse({ type: TicketDto, description: 'The user already had this ticket' })
  @ApiJsonBodyErrors('A field is missing or malformed')
  @ApiForbiddenResponse({ description: 'No valid admission token of this user' })
  @ApiConflictResponse({ description: 'Sold out' })
  async buy(@Body() dto: BuyTicketDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<TicketDto> {
    const { ticket, created } = await this.ticketsService.buy(dto.userId, dto.admissionToken);
    void reply.status(created ? 201 : 200);
    return ticket;
  }

  @Get(':id')
  @ApiOkResponse({ type: TicketDto })
  @ApiBadRequestResponse({ description: 'id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such ticket' })
  findOne(@UuidParam('id') id: string): Promise<TicketDto> {
    return this.ticketsService.findById(id);
  }
}
