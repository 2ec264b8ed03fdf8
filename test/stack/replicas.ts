/**
 * The fixture of the stack tests that need two API replicas: the stack as shipped, started fresh
 * (scripts/stack.sh), plus a second backend replica (ROLE=api, app-id todo-backend, its own daprd —
 * what the Kubernetes manifests run with `replicas: 2`), and a reader of some Kafka topics. Holds
 * the stack-tests lock from the start until `close`.
 */
import { startReplica, type Replica } from '../faults/support.js';
import { stack, stackEnv, stackTestLock, TopicReader } from './support.js';

export interface TwoReplicas {
  env: Record<string, string>;
  replica: Replica;
  reader: TopicReader;
  /** stops the reader and the replica, the stack (unless KEEP_STACK), and releases the lock */
  close(): Promise<void>;
}

/** `second`: the second replica's name and ports (distinct per test file: a kept stack may still run another's). */
export async function twoReplicas(
  second: { name: string; appPort: number; daprHttp: number; daprGrpc: number },
  topics: string[],
): Promise<TwoReplicas> {
  const unlock = await stackTestLock();
  let replica: Replica | undefined;
  let reader: TopicReader | undefined;
  const close = async () => {
    await reader?.stop().catch(() => undefined);
    await replica?.stop();
    if (!process.env.KEEP_STACK) await stack('down');
    unlock();
  };
  try {
    await stack('down');
    await stack('up');
    const env = await stackEnv();
    replica = await startReplica(env, { ...second, appId: 'todo-backend', role: 'api', reminderSchedule: '@every 5m' });
    reader = new TopicReader(env.KAFKA_BROKERS!);
    await reader.start(topics);
    return { env, replica, reader, close };
  } catch (err) {
    await close();
    throw err;
  }
}
