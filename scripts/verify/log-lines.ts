import type { LokiAnswer } from './loki';

export interface LogLine {
  at: Date;
  ns: bigint;
  line: string;
  /** Stream labels and structured metadata together (trace_id and userId are structured metadata). */
  labels: Record<string, string>;
}

/** What queue-service logs when a user joins (apps/queue-service, QueueService.join). */
export const joinedLine = /^Joined queue: (\S+) at position [1-9]\d*$/;

const selector = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
const time = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();

/**
 * What is out of time order in Loki's answer, as it gave it: every timestamp a whole number of nanoseconds
 * within the asked range (else Grafana shows the line out of place among the others), and each stream's values
 * in the order the query asked for (newest first for `backward`).
 */
export function orderProblem({ asked, streams }: LokiAnswer): string | undefined {
  for (const { stream, values } of streams) {
    let previous: { ns: bigint; line: string } | undefined;
    for (const [ts, line] of values) {
      if (!/^\d+$/.test(ts))
        return `"${line}" of ${selector(stream)} has the timestamp "${ts}", not nanoseconds`;
      const ns = BigInt(ts);
      if (ns < asked.start || ns > asked.end)
        return `"${line}" of ${selector(stream)} is dated ${time(ns)}, outside the asked ${time(asked.start)} .. ${time(asked.end)}`;
      if (previous && (asked.direction === 'backward' ? ns > previous.ns : ns < previous.ns))
        return `out of time order in ${selector(stream)}: "${line}" (${time(ns)}) comes after "${previous.line}" (${time(previous.ns)}) in a ${asked.direction} answer`;
      previous = { ns, line };
    }
  }
  return undefined;
}

/** Every stream's lines merged by time, oldest first, as Grafana lays them out. */
export function mergedLines({ streams }: LokiAnswer): LogLine[] {
  return streams
    .flatMap(({ stream, values }) =>
      values
        .filter(([ts]) => /^\d+$/.test(ts))
        .map(([ts, line, extra]) => ({
          ns: BigInt(ts),
          at: new Date(Number(BigInt(ts) / 1_000_000n)),
          line,
          labels: { ...stream, ...(extra?.structuredMetadata ?? {}) },
        })),
    )
    .sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
}

/** The users of the newest lines (at most `max`), whose names are looked up in user-service. */
export function usersToLookUp(lines: LogLine[], max = 20): string[] {
  const ids = new Set<string>();
  for (const line of [...lines].reverse()) {
    if (ids.size >= max) break;
    if (line.labels.userId) ids.add(line.labels.userId);
  }
  return [...ids];
}

/**
 * The first line that does not name a registered user: one not in queue-service's format, one without the
 * userId it was logged with, or one whose name is not the name user-service holds for that user (`registered`:
 * user id -> name, undefined for a user it does not know; users not looked up are checked for format only).
 */
export function nameProblem(
  lines: LogLine[],
  registered: Map<string, string | undefined>,
): string | undefined {
  for (const { line, labels } of lines) {
    const name = joinedLine.exec(line)?.[1];
    if (!name) return `a line names no user: "${line}"`;
    const userId = labels.userId;
    if (!userId) return `"${line}" carries no userId to look the user up by`;
    if (!registered.has(userId)) continue;
    const known = registered.get(userId);
    if (known === undefined) return `"${line}" names ${name}, but user-service has no user ${userId}`;
    if (known !== name) return `"${line}" names ${name}, but user ${userId} is ${known} in user-service`;
  }
  return undefined;
}

/** The chapter's Loki step on Loki's answer and the names user-service gave for its newest lines' users. */
export function joinedLinesCheck(
  answer: LokiAnswer,
  registered: Map<string, string | undefined>,
): { ok: boolean; detail: string } {
  const lines = mergedLines(answer);
  const disorder = orderProblem(answer);
  if (disorder) return { ok: false, detail: disorder };
  if (!lines.length)
    return {
      ok: false,
      detail: 'no line in the last 15 minutes: run `docker compose run --rm traffic` (or `npm run traffic`)',
    };
  const unnamed = nameProblem(lines, registered);
  if (unnamed) return { ok: false, detail: unnamed };
  return {
    ok: true,
    detail: `${lines.length} lines naming users (the newest ${registered.size} found in user-service), in time order; last: ${lines.at(-1)!.line}`,
  };
}
