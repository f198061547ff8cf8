import { ApiJsonBodyErrors, UuidParam } from '@app/common';
import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CreateUserDto } from './dto/create-user.dto';
import { UserDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiServiceUnavailableResponse({ description: 'Postgres is unavailable' })
@Controller('users')
export class UsersController {
  constructor(private readonly usersService: UsersService) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: UserDto })
  // No body at all is a user with a generated name, as `{}` is.
  @ApiBody({ type: CreateUserDto, required: false })
  @ApiJsonBodyErrors('name is invalid')
  @ApiConflictResponse({ description: 'The name is taken' })
  register(@Body() dto: CreateUserDto): Promise<UserDto> {
    return this.usersService.register(dto.name);
  }

  @Get(':id')
  @ApiOkResponse({ type: UserDto })
  @ApiBadRequestResponse({ description: 'id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such user' })
  findOne(@UuidParam('id') id: string): Promise<UserDto> {
    return this.usersService.findById(id);
  }
}
