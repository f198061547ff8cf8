import { refusal } from '@app/common';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter } from 'prom-client';
import { QueryFailedError, Repository } from 'typeorm';
import { generateUserName } from './user-name';
import { User } from './user.entity';

const UNIQUE_VIOLATION = '23505';
const GENERATED_NAME_ATTEMPTS = 5;

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectMetric('ticketing_users_registered_total') private readonly registered: Counter,
  ) {}

  async register(name?: string): Promise<User> {
    if (name !== undefined) {
      return this.insert(name).catch((error) => {
        throw isUniqueViolation(error) ? new ConflictException(`name "${name}" is taken`) : error;
      });
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.insert(generateUserName());
      } catch (error) {
        if (!isUniqueViolation(error) || attempt === GENERATED_NAME_ATTEMPTS) throw error;
      }
    }
  }

  async findById(id: string): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw refusal(() => new NotFoundException(`user ${id} not found`));
    return user;
  }

  private async insert(name: string): Promise<User> {
    const user = await this.users.save(this.users.create({ name }));
    this.registered.inc();
    return user;
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
  );
}
