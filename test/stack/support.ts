/**
 * Support for the distributed-mode tests: the real stack (scripts/stack.sh: daprd, Kafka,
 * PostgreSQL, backend + consumer processes) and an independent Kafka client (kafkajs) that
 * reads what Dapr wrote to the topics.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';

const run = promisify(execFile);

export async function stack(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', ['scripts/stack.sh', ...args], {
    env: { ...process.env, STACK_SKIP_BUILD: '1' },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 600_000,
  });
  return stdout;
}

export async function kafkaCtl(cmd: 'start' | 'stop'): Promise<void> {
  await run('bash', ['scripts/kafka.sh', cmd], { timeout: 180_000 });
}

export async function stackEnv(): Promise<Record<string, string>> {
  const out = await stack('env');
  return Object.fromEntries(
    out
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

export interface Record_ {
  topic: string;
  key: string | null;
  /** the CloudEvent Dapr wrote (or the raw value if it was not JSON) */
  value: any;
  partition: number;
}

/** Reads topics from the beginning with its own consumer group and keeps every record. */
export interface Mark {
  topic: string;
  partition: number;
  offset: string;
}

export class TopicReader {
  readonly records: Record_[] = [];
  private readonly kafka: Kafka;
  private consumer: Consumer;

  constructor(brokers: string) {
    this.kafka = new Kafka({ clientId: 'taskstream-tests', brokers: [brokers], logLevel: logLevel.NOTHING });
    this.consumer = this.kafka.consumer({ groupId: `taskstream-test-${process.pid}-${Date.now()}`, sessionTimeout: 10_000 });
  }

  /**
   * Reads what is written from now on, or from `marks` (offsets noted earlier with endOffsets()).
   * Kafka keeps every earlier run's records (benchmarks write hundreds of thousands): reading
   * from the beginning took longer than a test waits. Topics that do not exist yet are read from
   * their beginning.
   */
  async start(topics: string[], marks?: Mark[]): Promise<void> {
    marks ??= await this.endOffsets(topics);
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning: true });
    let joined!: () => void;
    const ready = new Promise<void>((r) => (joined = r));
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => joined());
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const text = message.value?.toString('utf8') ?? '';
        let value: unknown = text;
        try {
          value = JSON.parse(text);
        } catch {
          /* keep raw */
        }
        this.records.push({ topic, partition, key: message.key?.toString('utf8') ?? null, value });
      },
    });
    for (const { topic, partition, offset } of marks) this.consumer.seek({ topic, partition, offset });
    await ready;
  }

  /** Where each partition of the topics ends now. */
  async endOffsets(topics: string[]): Promise<Mark[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const marks = await Promise.all(
        topics
          .filter((t) => existing.has(t))
          .map(async (topic) => (await admin.fetchTopicOffsets(topic)).map((o) => ({ topic, partition: o.partition, offset: o.high }))),
      );
      return marks.flat();
    } finally {
      await admin.disconnect();
    }
  }

  /** task-events records whose payload belongs to this user */
  payloads(topic: string, predicate: (p: any) => boolean): { record: Record_; payload: any }[] {
    return this.records
      .filter((r) => r.topic === topic)
      .map((record) => ({ record, payload: record.value?.data ?? record.value }))
      .filter((x) => typeof x.payload === 'object' && x.payload !== null && predicate(x.payload));
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

export async function producer(brokers: string): Promise<Producer> {
  const kafka = new Kafka({ clientId: 'taskstream-tests-producer', brokers: [brokers], logLevel: logLevel.NOTHING });
  const p = kafka.producer({ allowAutoTopicCreation: false });
  await p.connect();
  return p;
}

/**
 * A mutual exclusion between the test files that drive the stack (they run in one node test run,
 * two files at a time): `flock` on a lock file held by a child process whose stdin we keep open.
 * It is released when we end stdin — or when this process dies, whatever the reason.
 */
export async function stackTestLock(file = '/tmp/taskstream-stack-tests.lock'): Promise<() => void> {
  const child = spawn('flock', [file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`flock exited with ${code}`)));
    child.stdout!.once('data', () => resolve());
  });
  child.removeAllListeners('exit');
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  return () => child.stdin!.end();
}
