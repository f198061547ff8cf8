import { describe, expect, it } from 'vitest';
import { joinedLinesCheck, mergedLines, nameProblem, orderProblem, usersToLookUp } from './log-lines';
import type { LokiAnswer, LokiStream } from './loki';

// Answers in the shape of Loki 3's /loki/api/v1/query_range: without the categorize-labels encoding flag,
// structured metadata (trace_id, span_id and the record's attributes userId, userName, position) is merged into
// each stream's labels, so every line with its own trace is a stream of its own.
const start = 1_795_565_000_000_000_000n;
const end = start + 900_000_000_000n;
const at = (seconds: number) => String(start + BigInt(seconds) * 1_000_000_000n);
const users = {
  a: ['0b6f5a4e-8d1c-4c47-9a51-3e1b2f0c9d11', 'user-ab12c'],
  b: ['5d2e7c90-1f4a-4b6e-8c3d-7a9b0e1f2c33', 'user-k3x9q'],
  c: ['9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c55', 'user-zz9zz'],
} as const;
const joined = (seconds: number, [userId, userName]: readonly [string, string], position: number) => ({
  stream: {
    app: 'queue-service',
    service_name: 'queue-service',
    detected_level: 'info',
    severity_text: 'info',
    trace_id: `${userId.replace(/-/g, '')}`,
    span_id: '00f067aa0ba902b7',
    userId,
    userName,
    position: String(position),
  },
  values: [[at(seconds), `Joined queue: ${userName} at position ${position}`]] as [string, string][],
});
const answer = (streams: LokiStream[], direction: 'forward' | 'backward' = 'backward'): LokiAnswer => ({
  asked: { start, end, direction, limit: 1000 },
  streams,
});
/** Newest first across streams, as Loki's backward answer lists them. */
const healthy = () => answer([joined(300, users.c, 3), joined(200, users.b, 2), joined(100, users.a, 1)]);
const registered = new Map<string, string | undefined>(Object.values(users).map(([id, name]) => [id, name]));

describe(joinedLinesCheck.name, () => {
  it('passes lines in time order that name the users user-service holds', () => {
    expect(joinedLinesCheck(healthy(), registered)).toEqual({
      ok: true,
      detail:
        '3 lines naming users (the newest 3 found in user-service), in time order; last: Joined queue: user-zz9zz at position 3',
    });
  });

  it('fails a stream whose lines are out of the order the query asked for', () => {
    // Without structured metadata in the labels, all of queue-service's lines are one stream.
    const stream = joined(100, users.a, 1);
    stream.values = [
      [at(300), 'Joined queue: user-zz9zz at position 3'],
      [at(100), 'Joined queue: user-ab12c at position 1'],
      [at(200), 'Joined queue: user-k3x9q at position 2'],
    ];
    const result = joinedLinesCheck(answer([stream]), registered);
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(
      /^out of time order in \{app="queue-service", .*\}: "Joined queue: user-k3x9q at position 2" \(.*\) comes after "Joined queue: user-ab12c at position 1" \(.*\) in a backward answer$/,
    );
    stream.values.reverse();
    expect(orderProblem(answer([stream], 'forward'))).toMatch(/^out of time order .* in a forward answer$/);
    stream.values.sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1));
    expect(orderProblem(answer([stream], 'forward'))).toBeUndefined();
  });

  it('fails a line dated outside the asked range, which Grafana would show out of place', () => {
    const milliseconds = joined(0, users.b, 2);
    milliseconds.values[0][0] = String(start / 1_000_000n); // a timestamp in ms where Loki speaks ns
    const result = joinedLinesCheck(answer([joined(300, users.c, 3), milliseconds]), registered);
    expect(result).toMatchObject({ ok: false, detail: expect.stringContaining('outside the asked') });
    const notANumber = joined(0, users.b, 2);
    notANumber.values[0][0] = '2026-12-02T05:00:00Z';
    expect(joinedLinesCheck(answer([notANumber]), registered).detail).toContain('not nanoseconds');
  });

  it('fails a line without a user’s name', () => {
    for (const text of ['Joined queue: at position 2', 'Joined queue:  at position 2', 'Joined queue']) {
      const unnamed = joined(200, users.b, 2);
      unnamed.values[0][1] = text;
      const result = joinedLinesCheck(answer([joined(300, users.c, 3), unnamed]), registered);
      expect(result, text).toEqual({ ok: false, detail: `a line names no user: "${text}"` });
    }
  });

  it('fails a name that is not the user’s: "undefined" for a user whose name did not arrive, or another user’s', () => {
    const lost = joined(200, users.b, 2);
    lost.values[0][1] = 'Joined queue: undefined at position 2';
    expect(joinedLinesCheck(answer([lost]), registered).detail).toBe(
      `"Joined queue: undefined at position 2" names undefined, but user ${users.b[0]} is user-k3x9q in user-service`,
    );
    const unknown = new Map(registered).set(users.c[0], undefined);
    expect(joinedLinesCheck(healthy(), unknown).detail).toBe(
      `"Joined queue: user-zz9zz at position 3" names user-zz9zz, but user-service has no user ${users.c[0]}`,
    );
  });

  it('fails a line without the userId it was logged with, which leaves its user unknown', () => {
    const bare = joined(200, users.b, 2);
    delete (bare.stream as Partial<typeof bare.stream>).userId;
    expect(joinedLinesCheck(answer([bare]), registered)).toMatchObject({
      ok: false,
      detail: '"Joined queue: user-k3x9q at position 2" carries no userId to look the user up by',
    });
  });

  it('fails an empty answer, saying what to run', () => {
    expect(joinedLinesCheck(answer([]), registered)).toEqual({
      ok: false,
      detail: 'no line in the last 15 minutes: run `docker compose run --rm traffic` (or `npm run traffic`)',
    });
  });
});

describe(mergedLines.name, () => {
  it('merges the streams by time, oldest first, and reads structured metadata given apart (categorize-labels)', () => {
    const categorized: LokiStream = {
      stream: { app: 'queue-service', service_name: 'queue-service' },
      values: [
        [at(250), 'Joined queue: user-k3x9q at position 2', { structuredMetadata: { userId: users.b[0] } }],
      ],
    };
    const lines = mergedLines(answer([joined(300, users.c, 3), categorized, joined(100, users.a, 1)]));
    expect(lines.map((l) => l.line)).toEqual([
      'Joined queue: user-ab12c at position 1',
      'Joined queue: user-k3x9q at position 2',
      'Joined queue: user-zz9zz at position 3',
    ]);
    expect(lines[1].labels).toMatchObject({ app: 'queue-service', userId: users.b[0] });
    expect(lines[0].at.getTime()).toBe(Number(start / 1_000_000n) + 100_000);
    expect(nameProblem(lines, registered)).toBeUndefined();
  });

  it('looks up the newest lines’ users, each once', () => {
    const lines = mergedLines(
      answer([
        joined(300, users.c, 3),
        joined(200, users.b, 2),
        joined(150, users.c, 1),
        joined(100, users.a, 1),
      ]),
    );
    expect(usersToLookUp(lines, 2)).toEqual([users.c[0], users.b[0]]);
    expect(usersToLookUp(lines)).toEqual([users.c[0], users.b[0], users.a[0]]);
  });
});

describe(orderProblem.name, () => {
  it('holds equal timestamps in order in either direction', () => {
    const stream = joined(100, users.a, 1);
    stream.values.push([at(100), 'Joined queue: user-k3x9q at position 2']);
    expect(orderProblem(answer([stream]))).toBeUndefined();
    expect(orderProblem(answer([stream], 'forward'))).toBeUndefined();
  });
});
