/**
 * Reading one trace back from Jaeger's query API (`/api/traces/<id>`), and finding in it the chain
 * that one completion of a recurring task must leave: the HTTP request, the outbox relay's publish,
 * daprd's spans, the recurring consumer's delivery and the next occurrence's publish and delivery.
 * Used by test/stack/tracing.test.ts and scripts/trace-screenshot.ts.
 */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
  startTime: number;
  duration: number;
  processID: string;
  tags: { key: string; value: unknown }[];
  /** the process's service name (filled in from the trace's processes) */
  service: string;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

/** The trace as Jaeger holds it now (undefined before its first span arrived). */
export async function jaegerTrace(jaeger: string, traceId: string): Promise<JaegerTrace | undefined> {
  const res = await fetch(`${jaeger}/api/traces/${traceId}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`${jaeger}/api/traces/${traceId}: HTTP ${res.status} ${await res.text()}`);
  const t = ((await res.json()) as { data: JaegerTrace[] }).data[0];
  return t && { ...t, spans: t.spans.map((s) => ({ ...s, service: t.processes[s.processID]!.serviceName })) };
}

export const tagOf = (s: JaegerSpan, key: string): unknown => s.tags.find((t) => t.key === key)?.value;
const isDelivery = (s: JaegerSpan) => / process /.test(s.operationName);

/**
 * The spans of a recurring completion's chain, each found by its place in the tree — never by its
 * place in Jaeger's answer, whose order is no contract (the next occurrence's publish descends
 * from the request as well, and may come first). A link not arrived yet is undefined.
 */
export function completionChain(spans: readonly JaegerSpan[], completedId: number) {
  const byId = new Map(spans.map((s) => [s.spanID, s]));
  const parentOf = (s: JaegerSpan) => byId.get(s.references.find((r) => r.refType === 'CHILD_OF')?.spanID ?? '');
  const ancestors = (s: JaegerSpan): JaegerSpan[] => {
    const out: JaegerSpan[] = [];
    for (let p = parentOf(s); p; p = parentOf(p)) out.push(p);
    return out;
  };
  const under = (s: JaegerSpan, a: JaegerSpan | undefined) => a !== undefined && ancestors(s).includes(a);
  const http = spans.find(
    (s) =>
      s.service === 'todo-backend' &&
      tagOf(s, 'span.kind') === 'server' &&
      /complete/.test(String(tagOf(s, 'http.route') ?? s.operationName)),
  );
  // the completion's own event: published under the request with no consumer's delivery between
  const publish = spans.find((s) => s.operationName === 'task-events publish' && under(s, http) && !ancestors(s).some(isDelivery));
  const delivery = spans.find(
    (s) =>
      s.operationName === 'task-events process recurring-task' &&
      s.service === 'todo-recurring' &&
      tagOf(s, 'taskstream.task.spawned_from') === completedId,
  );
  const nextPublish = spans.find((s) => s.operationName === 'task-events publish' && under(s, delivery));
  return {
    http,
    publish,
    /** daprd's bulk publish, under the relay's call */
    daprPublish: spans.find((s) => /publish\/bulk/.test(s.operationName) && under(s, publish)),
    /** daprd's delivery of the event to a consumer app */
    daprDelivery: spans.find((s) => s.operationName === 'pubsub/task-events' && under(s, publish)),
    /** the recurring consumer's delivery of the completion (naming the occurrence it spawned) */
    delivery,
    deliveryUnderPublish: delivery !== undefined && under(delivery, publish),
    nextPublish,
    nextDelivery: spans.find((s) => s.operationName.startsWith('task-events process') && under(s, nextPublish)),
  };
}

export type CompletionChain = ReturnType<typeof completionChain>;
export const chainComplete = (c: CompletionChain): boolean => Object.values(c).every(Boolean);
