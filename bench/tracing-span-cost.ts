/**
 * `node --import tsx bench/tracing-span-cost.ts`: what one span costs the SDK in a tight loop (the
 * floor under bench:tracing's figures): CPU µs per span of this process to create and end a span
 * with a request span's attributes — with no processor, with the batch processor and the OTLP/HTTP
 * protobuf exporter (to a sink in a child process, whose CPU is not counted), and with a simple
 * processor into memory; and the protobuf serialisation of 512 spans alone. Six rounds each: the
 * first ones include compiling.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resources } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

const SPANS = 6000;
const ROUNDS = 6;

if (process.argv[2] === 'sink') {
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  sink.listen(0, '127.0.0.1', () => process.send!((sink.address() as AddressInfo).port));
} else {
  const sink = fork(fileURLToPath(import.meta.url), ['sink'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => sink.once('message', (m) => resolve(m as number)));
  const resource = resources.resourceFromAttributes({ 'service.name': 'bench', 'host.name': 'bench', 'process.pid': process.pid });
  const memory = new InMemorySpanExporter();
  const variants: Record<string, SpanProcessor[]> = {
    'no processor': [],
    'batch → OTLP/HTTP protobuf': [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` }) }),
    ],
    'simple → memory': [new SimpleSpanProcessor({ exporter: memory })],
  };
  const providers = Object.entries(variants).map(([name, spanProcessors]) => ({
    name,
    provider: new TracerProvider({ resource, spanProcessors }),
  }));
  const attributes = () => ({
    'http.request.method': 'POST',
    'url.path': '/api/u1/tasks',
    'http.route': '/api/:user_id/tasks',
    'fastify.root': '@fastify/otel',
  });
  const cpu = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const results = new Map<string, string[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const { name, provider } of providers) {
      const tracer = provider.getTracer('bench');
      const before = cpu();
      for (let i = 0; i < SPANS; i++) {
        const span = tracer.startSpan('POST /api/:user_id/tasks', { kind: SpanKind.SERVER, attributes: attributes() });
        span.setAttributes({ 'http.response.status_code': 201 });
        span.end();
      }
      await provider.forceFlush();
      memory.reset();
      results.set(name, [...(results.get(name) ?? []), ((cpu() - before) / SPANS).toFixed(1)]);
    }
  }
  const tracer = providers.find((p) => p.name === 'simple → memory')!.provider.getTracer('bench');
  for (let i = 0; i < 512; i++) tracer.startSpan('span', { attributes: attributes() }).end();
  const spans = memory.getFinishedSpans();
  const serialise: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = cpu();
    for (let j = 0; j < 20; j++) ProtobufTraceSerializer.serializeRequest(spans);
    serialise.push(((cpu() - before) / (20 * spans.length)).toFixed(2));
  }
  console.log(`CPU µs per span, ${ROUNDS} rounds of ${SPANS} (node ${process.version}):`);
  for (const [name, rounds] of results) console.log(`  ${name.padEnd(28)} ${rounds.join('  ')}`);
  console.log(`  ${'protobuf serialisation only'.padEnd(28)} ${serialise.join('  ')}`);
  sink.kill();
}
