// What the README, README.ko.md and docs/ name, checked against what the repository has: npm scripts in
// package.json, the tools' flags in their own parseArgs options, files, host ports in docker-compose.yml,
// compose services, and dashboard titles in grafana/dashboards. Each check returns the problems it finds.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { parseOptions, trafficFlags } from '../../scripts/traffic/options';
import { verifyFlags } from '../../scripts/verify/main';

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true });
export const composeServices = Object.keys(compose.services);
export const hostPorts = new Set(
  Object.values(compose.services as Record<string, { ports?: string[] }>).flatMap((s) =>
    // 127.0.0.1:${GRAFANA_PORT:-3000}:3000: the default host port, which the docs name.
    (s.ports ?? []).map((p) => Number(/:-(\d+)\}/.exec(p)?.[1])),
  ),
);
export const npmScripts = Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).scripts);
type PanelTree = { title?: string; panels?: PanelTree[] };
const titlesIn = (panels: PanelTree[] = []): string[] =>
  panels.flatMap((p) => [...(p.title ? [p.title] : []), ...titlesIn(p.panels)]);
export const dashboards = readdirSync('grafana/dashboards').map((f) => {
  const { uid, title, panels } = JSON.parse(readFileSync(join('grafana/dashboards', f), 'utf8'));
  return { uid: uid as string, title: title as string, panels: titlesIn(panels) };
});

/**
 * Inline code spans and the commands of code blocks: every line of a shell block (without its `#` comment),
 * and in a sample of output only the `$ ` line that ran it.
 */
export function codeOf(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)].flatMap(([, lang, body]) =>
    body
      .split('\n')
      .filter((line) => lang === 'sh' || lang === 'bash' || line.startsWith('$ '))
      .map((line) =>
        line
          .replace(/^\$ /, '')
          .replace(/\s+#.*$/, '')
          .trim(),
      ),
  );
  const prose = markdown.replace(/^```\w*\n[\s\S]*?^```/gm, '');
  const spans = [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1].trim());
  return [...blocks, ...spans].filter(Boolean);
}

const words = (command: string) => command.split(/\s+/).filter(Boolean);

/** The arguments a code line passes to a tool, or undefined when it runs none. */
export function toolArgs(code: string): { tool: 'traffic' | 'verify'; args: string[] } | undefined {
  const m =
    /(?:npm run (traffic|verify)(?: --)?|docker compose run --rm (traffic|verify)|generate-(traffic)\.sh)(.*)$/.exec(
      code,
    );
  if (!m) return undefined;
  const tool = (m[1] ?? m[2] ?? m[3]) as 'traffic' | 'verify';
  // A pipe or `;` ends the command; an argument after `&&` belongs to another one.
  // Brackets mark what is optional (`[-- --traffic]`); the flag inside is still the tool's.
  return { tool, args: words(m[4].split(/\s(?:\||&&|;)\s/)[0].replace(/\[-- |\]/g, ' ')) };
}

export function checkCommands(markdown: string): string[] {
  const problems: string[] = [];
  for (const code of codeOf(markdown)) {
    for (const [, script] of code.matchAll(/\bnpm run ([\w:-]+)/g))
      if (!npmScripts.includes(script)) problems.push(`npm script "${script}" (in \`${code}\`)`);
    for (const [, service] of code.matchAll(
      /\bdocker compose (?:[\w-]+ \S+ )*?(?:run --rm|stop|logs|restart) ([a-z][\w-]*)/g,
    ))
      if (!composeServices.includes(service)) problems.push(`compose service "${service}" (in \`${code}\`)`);
    const run = toolArgs(code);
    if (!run) continue;
    const known = Object.keys(run.tool === 'traffic' ? trafficFlags : verifyFlags);
    for (const arg of run.args.filter((a) => a.startsWith('--')))
      if (!known.includes(arg.slice(2))) problems.push(`${run.tool} flag "${arg}" (in \`${code}\`)`);
    // A real invocation (no placeholders such as [users] or RATE) must parse as the tool parses it.
    if (run.tool === 'traffic' && !run.args.some((a) => /[[<]|^[A-Z]+$/.test(a))) {
      try {
        parseOptions(run.args, {});
      } catch (error) {
        problems.push(`traffic refuses \`${code}\`: ${(error as Error).message}`);
      }
    }
  }
  return problems;
}

/** Flags in the first cell of a table row (`| \`--interval T\` |`), as the tools' pages list them. */
export function checkFlagTables(markdown: string, tool: 'traffic' | 'verify'): string[] {
  const known = Object.keys(tool === 'traffic' ? trafficFlags : verifyFlags);
  return [...markdown.matchAll(/^\| ([^|]*--[^|]*)\|/gm)]
    .flatMap((m) => [...m[1].matchAll(/`--([\w-]+)/g)].map((f) => f[1]))
    .filter((flag) => !known.includes(flag))
    .map((flag) => `${tool} flag "--${flag}" (in a table)`);
}

const repoPath =
  /^(?:\.\.\/)?(?:(?:apps|libs|scripts|compose|test|grafana|charts|otel-collector|bench|docs|\.ci)\/[\w./-]*[\w/]|docker-compose\.yml|package\.json|\.node-version|README(?:\.ko)?\.md|nest-cli\.json|\.dockerignore)$/;

export function checkPaths(markdown: string, file: string): string[] {
  const problems: string[] = [];
  const links = [...markdown.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^[a-z]+:/.test(target));
  for (const target of links)
    if (!existsSync(join(dirname(file), target))) problems.push(`link target "${target}"`);
  const named = codeOf(markdown)
    .flatMap(words)
    .map((w) => w.replace(/^["'(]+|["'),;:.]+$/g, ''));
  // test/output/ is what the tests write (ignored by git), absent from a fresh clone until they run.
  for (const path of named.filter(
    (w) => repoPath.test(w) && !w.includes('*') && !w.startsWith('test/output/'),
  ))
    if (!existsSync(path.replace(/^\.\.\//, ''))) problems.push(`file "${path}"`);
  return problems;
}

/** `localhost:<port>` the sandbox serves; 13000 is the example of a moved port, 55432/56379 the tests' own. */
export function checkPorts(markdown: string): string[] {
  const allowed = new Set([...hostPorts, 13000, 55432, 56379]);
  return [...markdown.matchAll(/\blocalhost:(\d+)/g)]
    .map((m) => Number(m[1]))
    .filter((port) => !allowed.has(port))
    .map((port) => `port ${port} (not published by docker-compose.yml)`);
}

/** `**Title** (\`uid\`)`, as the docs introduce a dashboard: that dashboard must exist under that title. */
export function checkDashboards(markdown: string): string[] {
  return [...markdown.matchAll(/\*\*([^*]+)\*\* \(`(ticketing-[\w-]+)`\)/g)]
    .filter(([, title, uid]) => !dashboards.some((d) => d.uid === uid && d.title === title))
    .map(([, title, uid]) => `dashboard "${title}" (${uid})`);
}

/**
 * Bold names in the chapter's steps: a dashboard's title, a panel's (what the step says to look at), or one of
 * Grafana's own labels, nothing else.
 */
export function checkBoldNames(markdown: string, labels: string[]): string[] {
  const stepTitles = new Set([...markdown.matchAll(/^\d+\. \*\*([^*]+)\*\*/gm)].map((m) => m[1]));
  // A bold phrase may wrap onto the next line: the words are what count.
  return [...markdown.matchAll(/\*\*([^*]+)\*\*/g)]
    .map((m) => m[1].replace(/\s+/g, ' '))
    .filter((name) => !stepTitles.has(name) && !labels.includes(name))
    .filter((name) => !dashboards.some((d) => d.title === name || d.panels.includes(name)))
    .map((name) => `bold name "${name}" (neither a dashboard or panel title nor a known Grafana label)`);
}

/** Commands, URLs and dashboard titles a text names: what the two READMEs must share. */
export function namedThings(markdown: string): { commands: string[]; urls: string[]; dashboards: string[] } {
  const commands = codeOf(markdown).filter((c) =>
    /^(?:docker |npm |scripts\/|bash |xdg-open |open )/.test(c),
  );
  const urls = [...markdown.matchAll(/\b(?:https?:\/\/)?localhost:\d+[^\s)`|]*/g)].map((m) => m[0]);
  const titles = dashboards.map((d) => d.title).filter((title) => markdown.includes(title));
  const sorted = (list: string[]) => [...new Set(list)].sort();
  return { commands: sorted(commands), urls: sorted(urls), dashboards: sorted(titles) };
}

/** The text of the `## ` sections with the given headings. */
export function sections(markdown: string, headings: string[]): string {
  return markdown
    .split(/^(?=## )/m)
    .filter((part) => headings.some((h) => part.startsWith(`## ${h}\n`)))
    .join('\n');
}
