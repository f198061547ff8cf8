import { ApiJsonBodyErrors, UuidParam } from '@app/common';
import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AdmissionVerdictDto, JoinResultDto, QueueStatusDto } from './dto/queue-status.dto';
import { JoinQueueDto } from './dto/join-queue.dto';
import { VerifyAdmissionDto } from './dto/verify-admission.dto';
import { QueueService } from './queue.service';

@ApiTags('queue')
@ApiServiceUnavailableResponse({ description: 'Redis or user-service is unavailable' })
@Controller('queue')
export class QueueController {
  constructor(private readonly queueService: QueueService) {}

  @Post('join')
  @HttpCode(200)
  @ApiOkResponse({ type: JoinResultDto, description: 'In the queue; joining again keeps the first place' })
  @ApiJsonBodyErrors('userId is missing or not a UUID')
  @ApiNotFoundResponse({ description: 'user-service does not know the user' })
  join(@Body() dto: JoinQueueDto): Promise<JoinResultDto> {
    return this.queueService.join(dto.userId);
  }

  @Get('status/:userId')
  @ApiOkResponse({ type: QueueStatusDto })
  @ApiBadRequestResponse({ description: 'userId is not a UUID' })
  @ApiNotFoundResponse({ description: 'Neither waiting nor admitted (or the admission expired)' })
  status(@UuidParam('userId') userId: string): Promise<QueueStatusDto> {
    return this.queueService.status(userId);
  }

  @Post('admissions/verify')
  @HttpCode(200)
  @ApiOkResponse({ type: AdmissionVerdictDto })
  @ApiJsonBodyErrors('A field is missing or malformed')
  @ApiForbiddenResponse({ description: 'The token is not this user’s live admission' })
  verify(@Body() dto: VerifyAdmissionDto): Promise<AdmissionVerdictDto> {
    return this.queueService.verify(dto.userId, dto.admissionToken);
  }
}
