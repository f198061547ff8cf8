import { parser as logql } from '@grafana/lezer-logql';
import { parser as traceql } from '@grafana/lezer-traceql';
import { parser as promql } from '@prometheus-io/lezer-promql';

interface Grammar {
  parse(text: string): {
    iterate(spec: { enter(node: { type: { isError: boolean }; from: number; to: number }): void }): void;
  };
}

const parsers: Record<'prometheus' | 'loki' | 'tempo' | 'grafana-pyroscope-datasource', Grammar> = {
  prometheus: promql,
  loki: logql,
  tempo: traceql,
  // Pyroscope's label selectors are PromQL vector selectors ({service_name="..."}).
  'grafana-pyroscope-datasource': promql,
};

/** Parses with the upstream grammar Grafana's own editors use; returns the offending text of each error node. */
export function syntaxErrors(kind: keyof typeof parsers, text: string): string[] {
  const errors: string[] = [];
  parsers[kind].parse(text).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`at ${node.from}: "${text.slice(node.from, node.to + 10)}"`);
    },
  });
  return errors;
}

/** Grafana's `label_values(expr, label)` variable query is not PromQL; the expression inside it is. */
export const variableExpression = (query: string): string | undefined => {
  const match = /^label_values\((.*),\s*\w+\)$/s.exec(query.trim());
  if (match) return match[1];
  return /^label_values\(\w+\)$/.test(query.trim()) ? undefined : query;
};
