import { lokiLink, traceLink } from '../traffic/grafana';
import { joinedLinesCheck, mergedLines, usersToLookUp } from './log-lines';
import { LokiClient } from './loki';
import { CheckResult, Endpoints, guard, window } from './result';
import { noWait, Settle, until } from './settle';
import { TempoClient, TraceSpan } from './tempo';
import { UsersClient } from './users';

/** The join trace holds queue-service's Redis spans and user-service's Postgres spans. */
function joinTraceParts(spans: TraceSpan[]) {
  const system = (s: TraceSpan) => s.attributes['db.system.name'] ?? s.attributes['db.system'];
  const queueRedis = spans.some((s) => s.service === 'queue-service' && system(s) === 'redis');
  const userSql = spans.some((s) => s.service === 'user-service' && system(s) === 'postgresql');
  return { queueRedis, userSql, complete: queueRedis && userSql };
}

export interface LogResults {
  results: CheckResult[];
  /** When the newest "Joined queue" line was written: the last traffic, for how long others may wait. */
  newest?: number;
}

/**
 * The chapter's Loki step, and its log -> trace step through the trace id of a "Joined queue" line: the newest
 * line old enough for its whole trace to be in Tempo, else the oldest line, waiting for its trace to arrive. The
 * names in the newest lines are looked up in user-service: a line must name the user it was logged for.
 */
export function logChecks(e: Endpoints, settle: Settle = noWait): Promise<LogResults> {
  const expr = '{app="queue-service"} |= "Joined queue"';
  const failed = (name: string, detail: string, slow: boolean): LogResults => ({
    results: [{ name, ok: false, final: !slow, slow, detail }],
  });
  return guard(failed, 'Loki: "Joined queue" lines', async () => {
    const answer = await new LokiClient(e.loki).query(expr, new Date(window().from));
    const lines = mergedLines(answer);
    const users = new UsersClient(e.users);
    const registered = new Map(
      await Promise.all(usersToLookUp(lines).map(async (id) => [id, await users.name(id)] as const)),
    );
    const results: CheckResult[] = [
      {
        name: 'Loki: {app="queue-service"} |= "Joined queue"',
        ...joinedLinesCheck(answer, registered),
        link: lokiLink(e.grafana, expr, window()),
      },
    ];
    const newest = lines.at(-1)?.at.getTime();
    const traced = lines.filter((l) => l.labels.trace_id);
    if (!traced.length) {
      results.push({
        name: 'Loki -> Tempo: the line carries a trace id',
        ok: false,
        detail: lines.length ? 'no trace_id on the "Joined queue" lines' : 'no "Joined queue" line to follow',
      });
      return { results, newest };
    }
    const line = traced.filter((l) => Date.now() - l.at.getTime() >= settle.waitMs).at(-1) ?? traced[0];
    const traceId = line.labels.trace_id;
    const tempo = new TempoClient(e.tempo);
    const spans = await until(
      settle,
      line.at.getTime() + settle.waitMs,
      `the trace ${traceId} of a "Joined queue" line to reach Tempo`,
      () => tempo.spans(traceId),
      (found) => !!found && joinTraceParts(found).complete,
    );
    const parts = spans && joinTraceParts(spans);
    const age = Math.round((Date.now() - line.at.getTime()) / 1000);
    results.push({
      name: 'Loki -> Tempo: the join trace shows Redis and database spans',
      ok: !!parts?.complete,
      detail: parts
        ? `trace ${traceId}: ${spans.length} spans; queue-service -> redis ${parts.queueRedis ? 'yes' : 'MISSING'}, user-service -> postgres ${parts.userSql ? 'yes' : 'MISSING'}`
        : `trace ${traceId} is not in Tempo, ${age} s after its line was logged`,
      link: traceLink(e.grafana, traceId, window()),
    });
    return { results, newest };
  });
}
