/**
 * Composition: config → adapters → services and consumers, by mode and ROLE. The domain code
 * below never learns which mode it runs in; only this file and main.ts choose adapters.
 */
import { sql } from 'kysely';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { DatabaseHandle } from './db/connect.js';
import type { Db } from './db/types.js';
import type { EventBus } from './events/bus.js';
import { EmbeddedBus } from './events/embedded/bus.js';
import { OutboxRelay } from './events/relay.js';
import { OutboxWakeup } from './events/wakeup.js';
import { AuthService } from './auth/service.js';
import { Tokens } from './auth/tokens.js';
import { AccessTokens } from './auth/access-tokens.js';
import { TaskService } from './tasks/service.js';
import { ProjectService } from './projects/service.js';
import { Inboxes } from './projects/inboxes.js';
import { MemberService } from './projects/members.js';
import { NotificationService } from './notifications/service.js';
import { inboxProcessor } from './notifications/inbox.processor.js';
import { historyProcessor } from './audit/history.processor.js';
import { nextOccurrenceProcessor } from './next-occurrence/next-occurrence.processor.js';
import { liveProcessors, liveProjectsProcessor } from './live/live.processor.js';
import { PgNotifyHub, type LiveHub } from './live/hub.js';
import { OpenStreams } from './live/open-streams.js';
import { ReminderScanner } from './reminders/scanner.js';
import { ReminderClock } from './reminders/clock.js';
import { DbPreferencesStore, type PreferencesStore } from './preferences/store.js';
import { DaprBus } from './events/dapr/bus.js';
import type { DaprClient } from './dapr/client.js';
import { DaprStatePreferencesStore } from './dapr/state-preferences.js';
import { WebhookService } from './webhooks/service.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { webhookFanoutProcessor } from './webhooks/fanout.processor.js';
import { systemResolver, type Resolver } from './webhooks/targets.js';
import { CalendarFeeds } from './calendar/service.js';

export interface Services {
  config: Config;
  log: Logger;
  db: Db;
  auth: AuthService;
  /** personal access tokens (`tsk_…`) */
  accessTokens: AccessTokens;
  tasks: TaskService;
  projects: ProjectService;
  members: MemberService;
  notifications: NotificationService;
  webhooks: WebhookService;
  calendar: CalendarFeeds;
  preferences: PreferencesStore;
  hub: LiveHub;
  bus: EventBus;
  /** set in distributed mode: the HTTP subscription routes deliver into it */
  daprBus: DaprBus | undefined;
  relay: OutboxRelay;
  scanner: ReminderScanner;
  clock: ReminderClock | undefined;
  /** open SSE responses, ended at shutdown */
  streams: OpenStreams;
  /** whether this process serves the public API (ROLE all|api) */
  servesApi: boolean;
  /** something committed outbox rows or reminders (`reminders: false`: no reminder rows were written) */
  changed(what?: { reminders: boolean }): void;
  readiness(): Promise<Record<string, boolean>>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AppOptions {
  config: Config;
  log: Logger;
  database: DatabaseHandle;
  authSecret: string;
  dapr?: DaprClient | undefined;
  now?: () => Date;
  /** DNS for webhook targets (tests simulate answers) */
  resolve?: Resolver;
}

/** Which consumers run where (distributed mode: one consumer group per topic, see README). */
const consumes = {
  taskEvents: (role: Config['role']) => role === 'all' || role === 'recurring',
  notifications: (role: Config['role']) => role === 'all' || role === 'notifications',
  /** webhooks read task-events through a subscription of their own (group "webhooks"), in the notifications process */
  webhooks: (role: Config['role']) => role === 'all' || role === 'notifications',
};

export async function createServices(o: AppOptions): Promise<Services> {
  const { config, log, database } = o;
  const db = database.db;
  const now = o.now ?? (() => new Date());
  const dapr = config.eventBus === 'dapr' ? o.dapr : undefined;
  if (config.eventBus === 'dapr' && !dapr) throw new Error('distributed mode needs a Dapr client');

  const daprBus = dapr ? new DaprBus(dapr, config.dapr.pubsub, log.child({ component: 'dapr-bus' })) : undefined;
  const bus: EventBus = daprBus ?? new EmbeddedBus(db, log.child({ component: 'embedded-bus' }));
  const preferences: PreferencesStore = dapr ? new DaprStatePreferencesStore(dapr, config.dapr.stateStore) : new DbPreferencesStore(db);
  const relay = new OutboxRelay(db, bus, log.child({ component: 'relay' }), { pollMs: config.relayPollMs });
  const scanner = new ReminderScanner(db, now);
  const servesApi = config.role === 'all' || config.role === 'api';
  const hub = await createHub(database, log, servesApi);
  // every API process arms a clock, in distributed mode too: the claim fires each reminder once
  const clock = servesApi
    ? new ReminderClock(scanner, () => outboxWritten(), log.child({ component: 'reminders' }), config.reminderScanMs)
    : undefined;
  // the relay holding the lease and the other API processes' clocks may be in other processes
  // (replicas, cluster workers): wake them directly (a NOTIFY after each burst of commits)
  const wakeup = new OutboxWakeup(database.url, db, log.child({ component: 'relay-wakeup' }), (rearm) => {
    if (relay.holdsLease()) relay.kick();
    if (rearm) clock?.rearm();
  });
  await wakeup.start();
  const outboxWritten = () => {
    relay.kick();
    if (!relay.holdsLease()) wakeup.notify();
  };
  // A write that wrote no reminder rows cannot have moved the earliest one closer: no clock re-arms
  // (a removed one fires, finds nothing, re-arms), and when this process holds the relay lease
  // nobody else needs to hear of it.
  const changed = (what = { reminders: true }) => {
    relay.kick();
    if (what.reminders) clock?.rearm();
    if (what.reminders || !relay.holdsLease()) wakeup.notify(what);
  };

  if (consumes.taskEvents(config.role)) {
    bus.subscribe(nextOccurrenceProcessor({ db, now, changed }));
    bus.subscribe(historyProcessor({ db }));
  }
  if (consumes.notifications(config.role)) bus.subscribe(inboxProcessor({ db, keep: config.limits.notificationsPerUser }));
  const resolve = o.resolve ?? systemResolver;
  const dispatcher = consumes.webhooks(config.role)
    ? new WebhookDispatcher({ db, config: config.webhooks, log: log.child({ component: 'webhooks' }), resolve, now, changed })
    : undefined;
  const queued = () => dispatcher?.kick();
  if (dispatcher) bus.subscribe(webhookFanoutProcessor({ db, queued }));
  const [liveTasks, liveNotes] = liveProcessors(hub);
  if (consumes.taskEvents(config.role)) bus.subscribe(liveTasks);
  // project-events go where task-events go (ROLE recurring): one consumer process for both kinds of live change
  if (consumes.taskEvents(config.role)) bus.subscribe(liveProjectsProcessor(hub));
  if (consumes.notifications(config.role)) bus.subscribe(liveNotes);

  const streams = new OpenStreams();
  const tokens = new Tokens({
    secret: o.authSecret,
    ttlSeconds: config.accessTokenTtlSeconds,
    jwksUrl: config.authJwksUrl,
    issuer: config.authIssuer,
    audience: config.authAudience,
  });

  const inboxes = new Inboxes(db, now, changed);
  const { limits } = config;
  return {
    config,
    log,
    db,
    auth: new AuthService(
      db,
      tokens,
      {
        refreshTtlSeconds: config.refreshTokenTtlSeconds,
        ticketTtlSeconds: 30,
        loginAttemptsPerMinute: config.loginAttemptsPerMinute,
      },
      now,
    ),
    accessTokens: new AccessTokens(db, config.limits.tokensPerUser, now),
    tasks: new TaskService({
      db,
      preferences,
      now,
      changed,
      maxTasksPerUser: limits.tasksPerUser,
      inboxes,
      maxLevels: limits.taskLevels,
      maxTasksPerProject: limits.tasksPerProject,
    }),
    projects: new ProjectService({ db, now, changed, inboxes, maxProjectsPerUser: limits.projectsPerUser }),
    members: new MemberService({ db, now, changed }),
    notifications: new NotificationService(db, now, changed),
    webhooks: new WebhookService({
      db,
      now,
      allowPrivate: config.webhooks.allowPrivate,
      resolve,
      maxPerUser: config.limits.webhooksPerUser,
      queued,
    }),
    calendar: new CalendarFeeds(db, now, o.authSecret),
    preferences,
    hub,
    bus,
    daprBus,
    relay,
    scanner,
    clock,
    streams,
    servesApi,
    changed,
    async readiness() {
      const checks: Record<string, boolean> = {
        database: await sql`SELECT 1`.execute(db).then(
          () => true,
          () => false,
        ),
      };
      if (dapr) checks.sidecar = await dapr.outboundHealthy();
      return checks;
    },
    async start() {
      // every process may relay: the lease elects one at a time
      relay.start();
      clock?.start();
      dispatcher?.start();
    },
    async stop() {
      await clock?.stop();
      await dispatcher?.stop();
      await relay.stop();
      await relay
        .flush()
        .catch((err: Error) =>
          log.warn({ err: err.message }, 'could not flush the outbox at shutdown; it will be published at next start'),
        );
      await relay.release().catch(() => undefined);
      await bus.close();
      await hub.close();
      await wakeup.close();
    },
  };
}

/**
 * Live messages travel by NOTIFY, so a stream served by one process (replica, cluster worker)
 * hears changes consumed in another. Only the API processes, which serve the streams, LISTEN: a
 * consumer process that listened received and parsed every task event's JSON for nobody.
 */
async function createHub(database: DatabaseHandle, log: Logger, servesStreams: boolean): Promise<LiveHub> {
  const hub = new PgNotifyHub(database.url, database.db, log.child({ component: 'live' }));
  if (servesStreams) await hub.start();
  return hub;
}
