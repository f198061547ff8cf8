import { describe, expect, it } from 'vitest';
import { PrometheusError, readQueryAnswer } from './prometheus';

// Bodies as Prometheus 3's /api/v1/query writes them (web/api/v1/api.go: respond, respondError).
const expr = 'sum by (app) (rate(http_request_duration_seconds_count{status_code=~"5.."}[1m]))';

describe(readQueryAnswer.name, () => {
  it('reads an instant vector, with the infos and warnings an answer may carry', () => {
    const body = {
      status: 'success',
      data: {
        resultType: 'vector',
        result: [{ metric: { app: 'queue-service' }, value: [1795565000.123, '0.2'] }],
      },
      infos: ['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket'],
    };
    expect(readQueryAnswer(200, body, expr)).toEqual([
      { metric: { app: 'queue-service' }, value: [1795565000.123, '0.2'] },
    ]);
    expect(
      readQueryAnswer(200, { status: 'success', data: { resultType: 'vector', result: [] } }, expr),
    ).toEqual([]);
  });

  it('throws Prometheus’ own error for a query that fails: bad data, too many samples, a timeout', () => {
    const answers: [number, object, string][] = [
      [
        400,
        {
          status: 'error',
          errorType: 'bad_data',
          error: 'invalid parameter "query": 1:14: parse error: unexpected "}"',
        },
        'bad_data: invalid parameter "query": 1:14: parse error: unexpected "}"',
      ],
      [
        422,
        {
          status: 'error',
          errorType: 'execution',
          error: 'query processing would load too many samples into memory in query execution',
        },
        'execution: query processing would load too many samples into memory in query execution',
      ],
      [
        503,
        { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' },
        'timeout: query timed out in expression evaluation',
      ],
    ];
    for (const [status, body, message] of answers) {
      expect(() => readQueryAnswer(status, body, expr)).toThrow(new PrometheusError(message));
    }
  });

  it('throws for an answer that is not an instant vector, or not Prometheus’ at all', () => {
    const matrix = { status: 'success', data: { resultType: 'matrix', result: [] } };
    expect(() => readQueryAnswer(200, matrix, expr)).toThrow(/answered matrix, not an instant vector/);
    expect(() => readQueryAnswer(502, '<html>502 Bad Gateway</html>', expr)).toThrow(
      'answered 502: <html>502 Bad Gateway</html>',
    );
  });
});
