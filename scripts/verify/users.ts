import { fetchJson, HttpError } from './http';

/** user-service's GET /users/<id>: the name it holds for a user, undefined for one it does not know. */
export class UsersClient {
  constructor(readonly url: string) {}

  async name(id: string): Promise<string | undefined> {
    try {
      return (await fetchJson<{ id: string; name: string }>(`${this.url}/users/${encodeURIComponent(id)}`))
        .name;
    } catch (error) {
      // 404 for an id it does not hold, 400 for one that is no id at all: either way no such user.
      if (error instanceof HttpError && (error.status === 404 || error.status === 400)) return undefined;
      throw error;
    }
  }
}
