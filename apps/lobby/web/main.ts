import { context, type Context } from '@opentelemetry/api';
import { dashboardLink, dashboards, lokiLink, traceLink } from '../../../scripts/traffic/grafana';
import { call, type Answer, type OnRetry } from './api';
import { preferredLanguage, words, type Language, type Words } from './i18n';
import { inSpan, log } from './telemetry';

/**
 * The chapter's journey as a page: enter the lobby, pass the queue, get a ticket. Each click is a span whose
 * trace runs through the services to Redis and Postgres; after each, the page links to that trace and to the
 * user's log lines in Grafana. The user lives in this tab (sessionStorage): two windows are two users.
 */
interface User {
  id: string;
  name: string;
}
type Step =
  | { at: 'lobby' }
  | { at: 'queue'; position?: number; etaSeconds?: number }
  | { at: 'admitted'; admissionToken: string; expiresAt: string }
  | { at: 'ticket'; ticketId: string; seat: string };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let language: Language = preferredLanguage();
let t: Words = words[language];
let grafanaUrl = 'http://localhost:3000';
let user: User | undefined = JSON.parse(sessionStorage.getItem('lobby.user') ?? 'null') ?? undefined;
let step: Step = { at: 'lobby' };
let lastTraceId: string | undefined;
let polling: ReturnType<typeof setTimeout> | undefined;
let notice = '';
let problem: { text: string; rejoin?: boolean } | undefined;

const show = (id: string, visible: boolean) => ($(id).hidden = !visible);

function render() {
  document.documentElement.lang = language;
  for (const element of document.querySelectorAll<HTMLElement>('[data-t]')) {
    const text = t[element.dataset.t as keyof Words];
    if (typeof text === 'string') element.textContent = text;
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-lang]'))
    button.setAttribute('aria-pressed', String(button.dataset.lang === language));
  for (const name of ['lobby', 'queue', 'ticket'])
    $(`progress-${name}`).classList.toggle(
      'current',
      step.at === name || (name === 'queue' && step.at === 'admitted'),
    );
  show('step-lobby', step.at === 'lobby');
  show('step-queue', step.at === 'queue');
  show('step-admitted', step.at === 'admitted');
  show('step-ticket', step.at === 'ticket');
  if (step.at === 'queue') {
    $('position').textContent = step.position === undefined ? t.joining : t.waiting(step.position);
    $('eta').textContent = step.etaSeconds === undefined ? '' : t.eta(step.etaSeconds);
  }
  if (step.at === 'admitted') {
    const seconds = Math.max(0, Math.round((Date.parse(step.expiresAt) - Date.now()) / 1000));
    $('expires').textContent = t.expiresIn(seconds);
  }
  if (step.at === 'ticket') {
    $('seat').textContent = t.ticket(step.seat);
    $('ticket-id').textContent = step.ticketId;
  }
  $('who').textContent = user ? user.name : '';
  $('notice').textContent = notice;
  $('problem').textContent = problem?.text ?? '';
  show('rejoin', Boolean(problem?.rejoin));
  renderLinks();
}

function renderLinks() {
  const now = Date.now();
  const range = { from: now - 30 * 60_000, to: now + 5 * 60_000 };
  const trace = $<HTMLAnchorElement>('link-trace');
  trace.parentElement!.hidden = !lastTraceId;
  if (lastTraceId) trace.href = traceLink(grafanaUrl, lastTraceId, range);
  const logs = $<HTMLAnchorElement>('link-logs');
  logs.parentElement!.hidden = !user;
  if (user) logs.href = lokiLink(grafanaUrl, `{app="queue-service"} |= "${user.name}"`, range);
  $<HTMLAnchorElement>('link-home').href = `${grafanaUrl}/`;
  $<HTMLAnchorElement>('link-flow').href = dashboardLink(grafanaUrl, dashboards.flow, range);
  $<HTMLAnchorElement>('link-lobby').href = dashboardLink(grafanaUrl, dashboards.lobby, range);
}

const onRetry: OnRetry = ({ away, inMs, attempt }) => {
  notice = t.retrying(away === 'lobby' ? t.lobbyAway : away, inMs / 1000, attempt);
  render();
};

/** Runs one click of the journey in its own span; its trace is the one "This click's trace" opens. */
async function click(name: string, pending: string, work: (parent: Context) => Promise<void>) {
  problem = undefined;
  notice = pending;
  $('name-error').textContent = '';
  render();
  for (const button of document.querySelectorAll<HTMLButtonElement>('button.action')) button.disabled = true;
  try {
    await inSpan(name, async (span, parent) => {
      lastTraceId = span.spanContext().traceId;
      await work(parent);
    });
  } finally {
    notice = '';
    for (const button of document.querySelectorAll<HTMLButtonElement>('button.action'))
      button.disabled = false;
    render();
  }
}

const failed = (answer: Answer<unknown>) => {
  if (answer.ok) return;
  problem = { text: t.failed(answer.status, answer.error.message ?? answer.error.code ?? '') };
};

function remember(next: User | undefined) {
  user = next;
  if (next) sessionStorage.setItem('lobby.user', JSON.stringify(next));
  else sessionStorage.removeItem('lobby.user');
}

async function join(parent: Context) {
  const wanted = $<HTMLInputElement>('name').value.trim();
  if (!user || (wanted && wanted !== user.name)) {
    const created = await call<User>(parent, 'POST', '/users', wanted ? { name: wanted } : {}, onRetry);
    if (!created.ok) {
      if (created.status === 400)
        $('name-error').textContent =
          created.error.fields?.[0]?.errors.join(' ') ?? created.error.message ?? '';
      else if (created.status === 409) $('name-error').textContent = t.nameTaken;
      else failed(created);
      return;
    }
    remember({ id: created.body.id, name: created.body.name });
  }
  const joined = await call<{ position: number; status: string }>(
    parent,
    'POST',
    '/queue/join',
    { userId: user!.id },
    onRetry,
  );
  if (!joined.ok) {
    if (joined.status === 404) {
      remember(undefined);
      problem = { text: t.unknownUser };
    } else failed(joined);
    return;
  }
  log(`${user!.name} joined the queue at position ${joined.body.position}`, { 'user.name': user!.name });
  step = { at: 'queue', position: joined.body.position };
  void poll();
}

type Status =
  | { status: 'waiting'; position: number; etaSeconds: number }
  | { status: 'admitted'; admissionToken: string; expiresAt: string };

/** Asks for the position every second while waiting; each ask is a trace of its own. */
async function poll() {
  clearTimeout(polling);
  if (!user || (step.at !== 'queue' && step.at !== 'admitted')) return;
  const answer = await call<Status>(context.active(), 'GET', `/queue/status/${user.id}`, undefined, onRetry);
  notice = '';
  if (answer.ok && answer.body.status === 'waiting')
    step = { at: 'queue', position: answer.body.position, etaSeconds: answer.body.etaSeconds };
  else if (answer.ok && answer.body.status === 'admitted' && step.at === 'queue') {
    log(`${user.name} was admitted`, { 'user.name': user.name });
    step = { at: 'admitted', admissionToken: answer.body.admissionToken, expiresAt: answer.body.expiresAt };
  } else if (!answer.ok && answer.status === 404) {
    step = { at: 'lobby' };
    problem = { text: t.expired, rejoin: true };
  } else if (!answer.ok) failed(answer);
  render();
  if (step.at === 'queue' || step.at === 'admitted') polling = setTimeout(() => void poll(), 1000);
}

async function buy(parent: Context) {
  if (!user || step.at !== 'admitted') return;
  const bought = await call<{ ticketId: string; seat: string }>(
    parent,
    'POST',
    '/tickets',
    { userId: user.id, admissionToken: step.admissionToken },
    onRetry,
  );
  if (bought.ok) {
    clearTimeout(polling);
    log(`${user.name} bought seat ${bought.body.seat}`, { 'user.name': user.name });
    step = { at: 'ticket', ticketId: bought.body.ticketId, seat: bought.body.seat };
    void refreshSeats();
  } else if (bought.status === 403) {
    clearTimeout(polling);
    step = { at: 'lobby' };
    problem = { text: t.expired, rejoin: true };
  } else if (bought.status === 409) problem = { text: t.soldOut };
  else failed(bought);
}

let seatsTimer: ReturnType<typeof setTimeout> | undefined;

/** Seats left, every 5 s and after a purchase: the one thing on the page that is not the user's own. */
async function refreshSeats() {
  clearTimeout(seatsTimer);
  const event = await fetch('/api/event')
    .then((r) => (r.ok ? (r.json() as Promise<{ capacity: number; remaining: number }>) : undefined))
    .catch(() => undefined);
  if (event) $('seats').textContent = t.seats(event.remaining, event.capacity);
  seatsTimer = setTimeout(() => void refreshSeats(), 5000);
}

function start() {
  $('join-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void click('join queue', t.joining, join);
  });
  $('generate').addEventListener('click', () => {
    $<HTMLInputElement>('name').value = `guest-${Math.random().toString(36).slice(2, 7)}`;
  });
  $('buy').addEventListener('click', () => void click('buy ticket', t.buying, buy));
  for (const id of ['rejoin', 'again'])
    $(id).addEventListener('click', () => {
      if (id === 'again') remember(undefined);
      problem = undefined;
      step = { at: 'lobby' };
      render();
    });
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-lang]'))
    button.addEventListener('click', () => {
      language = button.dataset.lang as Language;
      localStorage.setItem('lobby.language', language);
      t = words[language];
      render();
    });
  // The admission's countdown.
  setInterval(() => step.at === 'admitted' && render(), 1000);
  render();
  void fetch('/config.json')
    .then((r) => r.json() as Promise<{ grafanaUrl: string }>)
    .then((config) => {
      grafanaUrl = config.grafanaUrl;
      render();
    })
    .catch(() => undefined);
  void refreshSeats();
}

start();
