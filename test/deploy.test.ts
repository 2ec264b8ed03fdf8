/**
 * The deployment files (Dockerfile, deploy/compose, deploy/k8s, dapr/components, .github/workflows):
 * scripts/validate-deploy.sh runs the real tools (kustomize, kubeconform against the Kubernetes and
 * Dapr schemas, compose-go, BuildKit's Dockerfile checks, actionlint); this file checks its outputs
 * against what `npm run stack:up` (scripts/stack.sh) runs and the rules that matter, and that each
 * validator rejects a broken file (so a pass means something). Nothing here needs Docker or a cluster.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (rel: string) => readFileSync(path.join(REPO, rel), 'utf8');
const readYaml = (rel: string): any => parse(read(rel), { merge: true });
const yamlDocs = (text: string): any[] => parseAllDocuments(text).map((d) => d.toJS({ maxAliasCount: -1 }));

let out: string;
let tools: Record<string, string>;
let k8s: any[];
let compose: any; // compose-go's resolved project
let composeOverride: any;
let dockerfile: any; // BuildKit's parse + warnings

before(async () => {
  out = mkdtempSync(path.join(tmpdir(), 'validate-deploy-'));
  try {
    // Cold: builds/fetches the tools into $STACK_CACHE/tools (a few minutes); warm: seconds.
    await run('bash', [path.join(REPO, 'scripts/validate-deploy.sh'), out], { cwd: REPO, timeout: 20 * 60_000, maxBuffer: 64 << 20 });
  } catch (err: any) {
    throw new Error(`scripts/validate-deploy.sh failed (exit ${err.code}):\n${err.stderr ?? ''}${err.stdout ?? ''}`, { cause: err });
  }
  tools = Object.fromEntries(
    readFileSync(path.join(out, 'tools.env'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const i = line.indexOf('=');
        return [line.slice(0, i), line.slice(i + 1).replace(/^"|"$/g, '')];
      }),
  );
  k8s = yamlDocs(readFileSync(path.join(out, 'k8s.yaml'), 'utf8'));
  compose = JSON.parse(readFileSync(path.join(out, 'compose.json'), 'utf8'));
  composeOverride = JSON.parse(readFileSync(path.join(out, 'compose-override.json'), 'utf8'));
  dockerfile = JSON.parse(readFileSync(path.join(out, 'dockerfile.json'), 'utf8'));
});
after(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

// ---- what scripts/stack.sh runs, read from the script itself ------------------------------------

interface StackApp {
  name: string;
  appId: string;
  role: string;
  port: string;
  daprHttp: string;
  daprGrpc: string;
}

function shellDefault(script: string, name: string): string {
  const m = new RegExp(`^${name}="\\$\\{${name}:-(.*)\\}"$`, 'm').exec(script);
  assert.ok(m, `scripts/stack.sh sets a default for ${name}`);
  return m[1] as string;
}

function functionBody(script: string, name: string): string {
  const start = script.indexOf(`\n${name}() {`);
  assert.ok(start >= 0, `scripts/stack.sh defines ${name}()`);
  return script.slice(start, script.indexOf('\n}\n', start));
}

/** The shell words of a command spread over continuation lines (quotes removed, $vars kept). */
function words(text: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  let quote = '';
  for (const ch of text.replace(/\\\n/g, ' ')) {
    if (quote) {
      if (ch === quote) quote = '';
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (/\s/.test(ch)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (word !== undefined) out.push(word);
  return out;
}

const stackScript = read('scripts/stack.sh');
const stack = {
  backendRole: shellDefault(stackScript, 'STACK_BACKEND_ROLE'),
  daprLogLevel: shellDefault(stackScript, 'DAPR_LOG_LEVEL'),
  reminderSchedule: shellDefault(stackScript, 'REMINDER_SCHEDULE'),
  apps(): StackApp[] {
    const table = functionBody(stackScript, 'app_table');
    return [...table.matchAll(/echo "(\S+) (\S+) (\S+) (\d+) (\d+) (\d+)"/g)].map((m) => ({
      name: m[1] as string,
      appId: m[2] as string,
      role: m[3] === '$STACK_BACKEND_ROLE' ? this.backendRole : (m[3] as string),
      port: m[4] as string,
      daprHttp: m[5] as string,
      daprGrpc: m[6] as string,
    }));
  },
  /** `env NAME=VALUE ...` of the app process, $vars substituted for one app. */
  appEnv(app: StackApp): Record<string, string> {
    const body = functionBody(stackScript, 'start_app');
    const cmd = body.slice(body.indexOf('exec env ') + 'exec env '.length, body.indexOf('setsid'));
    return Object.fromEntries(
      words(cmd)
        // the OTEL_* of STACK_TRACING=1 (tracing is opt-in; docs/observability.md)
        .filter((w) => w !== '${otel[@]}')
        .map((w) => w.split(/=(.*)/s).slice(0, 2) as [string, string])
        .map(([k, v]) => [k, this.subst(v, app)]),
    );
  },
  /** the variables stack.sh puts in daprd's environment */
  daprdEnvNames(): string[] {
    const body = functionBody(stackScript, 'start_daprd');
    const cmd = body.slice(body.indexOf(' env ') + 5, body.indexOf('"$(daprd_bin)"'));
    return words(cmd).map((w) => w.split('=')[0] as string);
  },
  /** daprd's flags, $vars substituted for one app; the resources path is given. */
  daprdFlags(app: StackApp, resourcesPath: string): string[] {
    const body = functionBody(stackScript, 'start_daprd');
    const flags = words(body.slice(body.indexOf('"$(daprd_bin)"') + '"$(daprd_bin)"'.length));
    // app health checks only on the sidecar with the cron binding (ROLE api|all): stack.sh's `health` array
    const health = /health=\((--enable-app-health-check[^)]*)\)/.exec(body)?.[1] ?? '';
    const healthFlags = app.role === 'api' || app.role === 'all' ? words(health) : [];
    return (
      flags
        // --config of STACK_TRACING=1 only (tracing is opt-in)
        .flatMap((f) => (f === '${health[@]}' ? healthFlags : f === '${tracing[@]}' ? [] : [f]))
        .map((f) => (f === '$STACK_COMPONENTS' ? resourcesPath : this.subst(f, app)))
    );
  },
  subst(value: string, app: StackApp): string {
    const vars: Record<string, string> = {
      appid: app.appId,
      role: app.role,
      port: app.port,
      dhttp: app.daprHttp,
      dgrpc: app.daprGrpc,
      DAPR_LOG_LEVEL: this.daprLogLevel,
      LOG_LEVEL: shellDefault(stackScript, 'LOG_LEVEL'),
    };
    return value.replace(/\$(\w+)/g, (whole, name: string) => vars[name] ?? whole);
  },
};

/** Which topic each ROLE consumes (README: ROLE recurring consumes task-events and project-events, notifications consumes notifications). */
const CONSUMES: Record<string, string[]> = {
  api: [],
  recurring: ['task-events', 'project-events'],
  notifications: ['notifications'],
  all: ['task-events', 'project-events', 'notifications'],
};
/** the ROLEs that run the webhook consumer (src/app.ts `consumes.webhooks`) */
const WEBHOOK_ROLES = ['notifications', 'all'];

const byKind = (docs: any[], kind: string) => docs.filter((d) => d?.kind === kind);
const one = (docs: any[], kind: string, name: string) => {
  const found = docs.find((d) => d?.kind === kind && d.metadata?.name === name);
  assert.ok(found, `${kind} ${name} exists`);
  return found;
};
const strip = (doc: any) => {
  // a Dapr resource as daprd sees it: no namespace or labels added by kustomize
  const { metadata, ...rest } = structuredClone(doc);
  return { ...rest, metadata: { name: metadata.name } };
};

// ---- the real tools ran ----------------------------------------------------------------------------

test('validate-deploy.sh ran the pinned tools and wrote every output', () => {
  assert.equal(tools.KUBECONFORM_VERSION, 'v0.8.0');
  assert.equal(tools.KUSTOMIZE_VERSION, 'v5.8.1');
  assert.equal(tools.ACTIONLINT_VERSION, 'v1.7.12');
  assert.equal(tools.DAPR_VERSION, shellDefault(read('scripts/lib.sh'), 'DAPR_VERSION'), 'Dapr CRDs of the daprd the stack runs');
  for (const v of (tools.DEPLOY_K8S_VERSIONS ?? '').split(' ')) {
    assert.ok(existsSync(path.join(tools.K8S_SCHEMAS as string, `v${v}`, 'deployment-apps-v1.json')), `Kubernetes ${v} schemas`);
  }
  for (const kind of ['component_v1alpha1', 'subscription_v2alpha1', 'configuration_v1alpha1']) {
    assert.ok(existsSync(path.join(tools.DAPR_SCHEMAS as string, 'dapr.io', `${kind}.json`)), `Dapr CRD schema ${kind}`);
  }
  assert.ok(k8s.length >= 15, 'kustomize rendered the manifests');
});

describe('every validator rejects a broken file (a pass means something)', () => {
  const kubeconform = (files: string[]) =>
    run(tools.KUBECONFORM as string, [
      '-strict',
      '-summary',
      '-kubernetes-version',
      (tools.DEPLOY_K8S_VERSIONS as string).split(' ')[0] as string,
      '-schema-location',
      `${tools.K8S_SCHEMAS}/{{.NormalizedKubernetesVersion}}/{{.ResourceKind}}{{.KindSuffix}}.json`,
      '-schema-location',
      `${tools.DAPR_SCHEMAS}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`,
      ...files,
    ]);
  const rejects = async (p: Promise<unknown>, pattern: RegExp) => {
    await assert.rejects(p, (err: any) => {
      assert.match(`${err.stdout ?? ''}${err.stderr ?? ''}`, pattern);
      return true;
    });
  };

  test('kubeconform: a Deployment with a misspelt field, a port of the wrong type, a Component without spec.metadata', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deploy-broken-'));
    try {
      const rendered = readFileSync(path.join(out, 'k8s.yaml'), 'utf8');
      assert.ok(rendered.includes('readinessProbe:'));
      const cases: [string, string, RegExp][] = [
        ['field.yaml', rendered.replace('readinessProbe:', 'readinessProbes:'), /Deployment taskstream-api is invalid.*readinessProbes/],
        ['type.yaml', rendered.replace('containerPort: 8000', 'containerPort: "8000"'), /Deployment taskstream-api is invalid/],
        [
          'hpa.yaml',
          rendered.replace('averageUtilization: 70', 'averageUtilisation: 70'),
          /HorizontalPodAutoscaler taskstream-api is invalid/,
        ],
        // the seed's secretstore.yaml had no spec.metadata, which Dapr's CRD requires
        [
          'component.yaml',
          read('dapr/components/secretstore.yaml').replace(/\n\s+metadata: \[\]/, ''),
          /Component kubernetes-secrets is invalid.*metadata/,
        ],
        ['subscription.yaml', read('dapr/components/subscription.yaml').replace('pubsubname:', 'pubsub:'), /Subscription .* is invalid/],
      ];
      for (const [name, text, pattern] of cases) {
        assert.notEqual(text, name === 'component.yaml' ? read('dapr/components/secretstore.yaml') : rendered, `${name} was broken`);
        writeFileSync(path.join(dir, name), text);
        await rejects(kubeconform([path.join(dir, name)]), pattern);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('compose-go: a sidecar in the network namespace of a service that does not exist, an unknown key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deploy-broken-'));
    try {
      cpSync(path.join(REPO, 'deploy/compose'), dir, { recursive: true });
      const file = path.join(dir, 'docker-compose.yml');
      const good = readFileSync(file, 'utf8');
      writeFileSync(file, good.replace('network_mode: service:recurring', 'network_mode: service:recuring'));
      await rejects(run(tools.DEPLOYCHECK as string, ['compose', file]), /recuring/);
      writeFileSync(file, good.replace('  postgres:\n    image:', '  postgres:\n    restrat: always\n    image:'));
      await rejects(run(tools.DEPLOYCHECK as string, ['compose', file]), /restrat/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('BuildKit checks: a secret in ENV, shell-form CMD and mixed-case FROM ... as are reported', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deploy-broken-'));
    try {
      const file = path.join(dir, 'Dockerfile');
      writeFileSync(file, 'FROM node:20.20.2-bookworm-slim as base\nENV API_TOKEN=abc\nCMD node dist/src/main.js\n');
      const { stdout } = await run(tools.DEPLOYCHECK as string, ['dockerfile', file]);
      const rules = JSON.parse(stdout).warnings.map((w: any) => w.rule);
      assert.deepEqual(rules.sort(), ['FromAsCasing', 'JSONArgsRecommended', 'SecretsUsedInArgOrEnv']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- Kubernetes ---------------------------------------------------------------------------------

describe('Kubernetes (kustomize build deploy/k8s)', () => {
  const deployments = () => byKind(k8s, 'Deployment');
  const appContainer = (d: any) => d.spec.template.spec.containers.find((c: any) => c.name === 'app');
  const envOf = (d: any) => Object.fromEntries(appContainer(d).env.map((e: any) => [e.name, e]));
  const configMap = () => one(k8s, 'ConfigMap', 'taskstream-config');

  test('one Deployment per stack process: same app-id and ROLE as scripts/stack.sh, Dapr enabled, app port = container port = PORT', () => {
    const apps = stack.apps();
    assert.equal(deployments().length, apps.length);
    for (const app of apps) {
      const d = deployments().find((x) => x.spec.template.metadata.annotations['dapr.io/app-id'] === app.appId);
      assert.ok(d, `a Deployment with dapr.io/app-id ${app.appId}`);
      const a = d.spec.template.metadata.annotations;
      assert.equal(a['dapr.io/enabled'], 'true');
      assert.equal(envOf(d).ROLE.value, app.role, `${app.appId} runs ROLE=${app.role}`);
      assert.equal(envOf(d).APP_ID.value, app.appId);
      const port = appContainer(d).ports.find((p: any) => p.name === 'http').containerPort;
      assert.equal(a['dapr.io/app-port'], String(port));
      assert.equal(configMap().data.PORT, String(port));
      assert.equal(
        d.spec.selector.matchLabels['app.kubernetes.io/component'],
        d.spec.template.metadata.labels['app.kubernetes.io/component'],
      );
    }
  });

  test('the app token and the API token: sidecar and app get the same Secret keys', () => {
    for (const d of deployments()) {
      const a = d.spec.template.metadata.annotations;
      const env = envOf(d);
      for (const [annotation, variable] of [
        ['dapr.io/app-token-secret', 'APP_API_TOKEN'],
        ['dapr.io/api-token-secret', 'DAPR_API_TOKEN'],
      ] as const) {
        const secret = one(k8s, 'Secret', a[annotation]);
        assert.ok(secret.stringData?.token ?? secret.data?.token, `${secret.metadata.name} has the key "token" the injector reads`);
        assert.deepEqual(env[variable].valueFrom.secretKeyRef, { name: a[annotation], key: 'token' }, `${variable} of ${d.metadata.name}`);
      }
    }
  });

  test('every dapr.io/* annotation is one the Dapr injector of the pinned release reads', () => {
    const source = readFileSync(path.join(tools.DAPR_MODULE_DIR as string, 'pkg/injector/patcher/sidecar.go'), 'utf8');
    const known = new Set([...source.matchAll(/annotation:"(dapr\.io\/[^"]+)"/g)].map((m) => m[1]));
    assert.ok(known.has('dapr.io/app-token-secret') && known.size > 40, 'read the annotations from sidecar.go');
    for (const d of deployments()) {
      for (const key of Object.keys(d.spec.template.metadata.annotations).filter((k) => k.startsWith('dapr.io/'))) {
        assert.ok(known.has(key), `${d.metadata.name}: ${key} is not a Dapr ${tools.DAPR_VERSION} annotation`);
      }
      const config = d.spec.template.metadata.annotations['dapr.io/config'];
      if (config) one(k8s, 'Configuration', config);
    }
  });

  test('probes: liveness on /healthz, readiness on /readyz, on the app port; requests and limits; non-root, read-only', () => {
    const uid = Number(
      runtimeStage()
        .commands.find((c: any) => c.name === 'USER')
        .original.split(/\s+/)[1]
        .split(':')[0],
    );
    for (const d of deployments()) {
      const c = appContainer(d);
      assert.equal(c.livenessProbe.httpGet.path, '/healthz', d.metadata.name);
      assert.equal(c.readinessProbe.httpGet.path, '/readyz', d.metadata.name);
      assert.equal(c.startupProbe.httpGet.path, '/healthz', d.metadata.name);
      for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) assert.equal(probe.httpGet.port, 'http');
      for (const kind of ['requests', 'limits']) {
        assert.ok(c.resources[kind].cpu && c.resources[kind].memory, `${d.metadata.name} ${kind}`);
      }
      const pod = d.spec.template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.securityContext.runAsUser, uid, 'the uid of the image USER');
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false);
      const mounts = c.volumeMounts.map((m: any) => m.mountPath);
      assert.ok(mounts.includes(configMap().data.DATA_DIR) && mounts.includes('/tmp'), 'writable DATA_DIR and /tmp');
    }
  });

  test('the environment names are ones the app reads (src/config.ts) or the stack sets', () => {
    const configSource = read('src/config.ts');
    const stackNames = Object.keys(stack.appEnv(stack.apps()[0] as StackApp));
    const names = [...Object.keys(configMap().data), ...deployments().flatMap((d) => Object.keys(envOf(d)))];
    for (const name of names) {
      assert.ok(
        configSource.includes(`'${name}'`) || configSource.includes(`env.${name}`) || stackNames.includes(name),
        `${name} is read by nothing`,
      );
    }
    assert.equal(configMap().data.EVENT_BUS, 'dapr');
    assert.ok(!('DATABASE_URL' in configMap().data) && !('AUTH_SECRET' in configMap().data), 'secrets come from the secret store');
  });

  test('secrets: the app reads db-secrets (DATABASE_URL, AUTH_SECRET) from the kubernetes-secrets store, and may read nothing else', () => {
    const store = one(k8s, 'Component', configMap().data.DAPR_SECRET_STORE);
    assert.equal(store.spec.type, 'secretstores.kubernetes');
    const secret = one(k8s, 'Secret', configMap().data.DAPR_SECRET_NAME);
    assert.equal(secret.metadata.name, 'db-secrets');
    assert.match(secret.stringData.DATABASE_URL, /^postgres(ql)?:\/\//);
    assert.ok(secret.stringData.AUTH_SECRET.length >= 32, 'AUTH_SECRET placeholder satisfies the app (>= 32 chars)');
    // the statestore resolves its connection string from the same secret
    const state = one(k8s, 'Component', 'statestore');
    assert.deepEqual(state.spec.metadata.find((m: any) => m.name === 'connectionString').secretKeyRef, {
      name: 'db-secrets',
      key: 'DATABASE_URL',
    });
    assert.equal(state.auth.secretStore, store.metadata.name);
    // RBAC: the pods' service account may get exactly that Secret
    for (const d of deployments()) {
      const sa = d.spec.template.spec.serviceAccountName;
      one(k8s, 'ServiceAccount', sa);
      const binding = byKind(k8s, 'RoleBinding').find((b) => b.subjects.some((s: any) => s.kind === 'ServiceAccount' && s.name === sa));
      assert.ok(binding, `${sa} is bound to a Role`);
      const role = one(k8s, 'Role', binding.roleRef.name);
      assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['db-secrets'], verbs: ['get'] }]);
    }
    const scopes = one(k8s, 'Configuration', 'taskstream').spec.secrets.scopes;
    assert.deepEqual(scopes, [{ storeName: store.metadata.name, defaultAccess: 'deny', allowedSecrets: ['db-secrets'] }]);
  });

  test('scopes: each topic is consumed by exactly the app-id whose ROLE consumes it; reminder-cron goes to the API', () => {
    const roleOf = Object.fromEntries(
      deployments().map((d) => [d.spec.template.metadata.annotations['dapr.io/app-id'], envOf(d).ROLE.value]),
    );
    const subs = byKind(k8s, 'Subscription');
    assert.deepEqual(subs.map((s) => `${s.spec.pubsubname} ${s.spec.topic}`).sort(), [
      'todo-pubsub notifications',
      'todo-pubsub project-events',
      'todo-pubsub task-events',
      'todo-pubsub-webhooks task-events',
    ]);
    // the webhooks read task-events through a component (consumer group) of their own, in the ROLEs that run them
    const webhookApps = Object.keys(roleOf).filter((id) => WEBHOOK_ROLES.includes(roleOf[id]));
    assert.ok(webhookApps.length > 0);
    for (const s of subs) {
      const webhooks = s.spec.pubsubname === 'todo-pubsub-webhooks';
      const consumers = webhooks ? webhookApps : Object.keys(roleOf).filter((id) => CONSUMES[roleOf[id]]?.includes(s.spec.topic));
      assert.deepEqual(s.scopes, consumers, `${s.spec.topic} is delivered to ${consumers.join(', ')} only`);
      assert.equal(s.spec.deadLetterTopic, `${s.spec.topic}-dlq`);
      assert.equal(s.spec.routes.default, webhooks ? `/dapr/webhooks/${s.spec.topic}` : `/dapr/${s.spec.topic}`);
    }
    assert.deepEqual(one(k8s, 'Component', 'todo-pubsub-webhooks').scopes, webhookApps, 'the webhooks component is loaded where they run');
    assert.deepEqual(one(k8s, 'Component', 'reminder-cron').scopes, ['todo-backend']);
    for (const name of ['todo-pubsub', 'statestore']) {
      assert.deepEqual([...one(k8s, 'Component', name).scopes].sort(), Object.keys(roleOf).sort(), `${name} is loaded by every app-id`);
    }
  });

  test('the Dapr resources are dapr/components as they are (every file), in the namespace, except the broker value', () => {
    const names = readdirSync(path.join(REPO, 'dapr/components')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    assert.deepEqual(
      [...readYaml('dapr/components/kustomization.yaml').resources].sort(),
      names.sort(),
      'dapr/components/kustomization.yaml lists every file of dapr/components (else the cluster would lack it)',
    );
    for (const doc of names.flatMap((f) => yamlDocs(read(`dapr/components/${f}`)))) {
      const rendered = one(k8s, doc.kind, doc.metadata.name);
      assert.equal(rendered.metadata.namespace, 'taskstream');
      assert.deepEqual(strip(rendered), doc, `${doc.kind} ${doc.metadata.name}`);
    }
    const brokers = one(k8s, 'Component', 'todo-pubsub').spec.metadata.find((m: any) => m.name === 'brokers').value;
    assert.equal(brokers, 'redpanda:9092', "the seed's Kubernetes broker");
    assert.ok(!k8s.some((d) => d.kind === 'ConfigMap' && d.metadata.name === 'deploy-values'), 'the values ConfigMap is local-config');
  });

  test('the Kafka brokers are a value: kustomize edit set configmap changes the component', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deploy-values-'));
    try {
      cpSync(path.join(REPO, 'deploy/k8s'), path.join(dir, 'deploy/k8s'), { recursive: true });
      cpSync(path.join(REPO, 'dapr/components'), path.join(dir, 'dapr/components'), { recursive: true });
      const kdir = path.join(dir, 'deploy/k8s');
      await run(
        tools.KUSTOMIZE as string,
        ['edit', 'set', 'configmap', 'deploy-values', '--from-literal=KAFKA_BROKERS=kafka-0.kafka:9092,kafka-1.kafka:9092'],
        {
          cwd: kdir,
        },
      );
      const { stdout } = await run(tools.KUSTOMIZE as string, ['build', kdir]);
      for (const name of ['todo-pubsub', 'todo-pubsub-webhooks']) {
        const pubsub = one(yamlDocs(stdout), 'Component', name);
        assert.equal(pubsub.spec.metadata.find((m: any) => m.name === 'brokers').value, 'kafka-0.kafka:9092,kafka-1.kafka:9092', name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the API: a Service on its named port, a HorizontalPodAutoscaler with CPU requests to scale on, a disruption budget', () => {
    const api = deployments().find((d) => envOf(d).ROLE.value === 'api');
    const labels = api.spec.template.metadata.labels;
    const svc = one(k8s, 'Service', 'taskstream-api');
    for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(labels[k], v, `selector ${k}`);
    assert.equal(svc.spec.ports[0].targetPort, 'http');
    // consumers must not be selected by the Service
    for (const d of deployments().filter((x) => x !== api)) {
      assert.ok(
        Object.entries(svc.spec.selector).some(([k, v]) => d.spec.template.metadata.labels[k] !== v),
        `${d.metadata.name} not behind the Service`,
      );
    }
    const hpa = one(k8s, 'HorizontalPodAutoscaler', 'taskstream-api');
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: api.metadata.name });
    assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
    assert.ok(appContainer(api).resources.requests.cpu, 'CPU utilization needs a CPU request');
    assert.ok(api.spec.template.metadata.annotations['dapr.io/sidecar-cpu-request'], 'and the sidecar has one too');
    assert.equal(one(k8s, 'PodDisruptionBudget', 'taskstream-api').spec.minAvailable, 1);
    // every API replica arms the reminder clock: with two, a killed or rolled one leaves no gap
    assert.ok(api.spec.replicas >= 2, 'at least two API replicas');
    assert.equal(api.spec.strategy.rollingUpdate.maxUnavailable, 0, 'a rollout keeps every armed replica until its successor is up');
  });

  test('the image is the one CI pushes', () => {
    const wf = readYaml('.github/workflows/ci.yml');
    assert.ok(JSON.stringify(wf.jobs.image).includes('ghcr.io/'));
    for (const d of deployments()) assert.match(appContainer(d).image, /^ghcr\.io\/[^/]+\/taskstream:/);
  });
});

// ---- Docker Compose -----------------------------------------------------------------------------

describe('Docker Compose (deploy/compose/docker-compose.yml) matches scripts/stack.sh', () => {
  const raw = () => readYaml('deploy/compose/docker-compose.yml');
  const appService = (app: StackApp) => compose.services[app.name];
  const sidecar = (app: StackApp) => compose.services[`${app.name}-dapr`];

  test('the same processes: one app and one daprd sidecar per stack app, plus Redpanda and PostgreSQL', () => {
    const names = stack.apps().flatMap((a) => [a.name, `${a.name}-dapr`]);
    assert.deepEqual(Object.keys(compose.services).sort(), [...names, 'postgres', 'redpanda', 'redpanda-init'].sort());
    assert.equal(compose.services.redpanda.image.split(':')[0], 'docker.redpanda.com/redpandadata/redpanda');
    assert.equal(compose.services.postgres.image.split(':')[1].split('.')[0], shellDefault(read('scripts/lib.sh'), 'PG_MAJOR'));
  });

  test('daprd: the Dapr release the stack builds, the same flags as stack.sh, in its app network namespace', () => {
    const resources = '/components';
    for (const app of stack.apps()) {
      const s = sidecar(app);
      assert.equal(s.image, `daprio/daprd:${shellDefault(read('scripts/lib.sh'), 'DAPR_VERSION').replace(/^v/, '')}`);
      assert.deepEqual(s.command, ['./daprd', ...stack.daprdFlags(app, resources)], `${app.name}: daprd flags`);
      assert.deepEqual(raw().services[`${app.name}-dapr`].command.slice(1), [
        ...stack.daprdFlags(app, resources).slice(0, -1),
        '${DAPR_LOG_LEVEL:-info}',
      ]);
      assert.equal(s.network_mode, `service:${app.name}`);
      assert.equal(s.depends_on[app.name].restart, true);
      for (const dep of ['postgres', 'redpanda-init']) assert.ok(s.depends_on[dep], `${app.name}-dapr waits for ${dep}`);
    }
  });

  test('the apps: the environment stack.sh gives them (tokens shared with their sidecar), the root Dockerfile', () => {
    for (const app of stack.apps()) {
      const s = appService(app);
      const expected = stack.appEnv(app);
      assert.deepEqual(Object.keys(s.environment).sort(), Object.keys(expected).sort(), `${app.name}: variable names`);
      for (const [name, value] of Object.entries(expected)) {
        if (['APP_API_TOKEN', 'DAPR_API_TOKEN', 'DATA_DIR'].includes(name)) continue; // generated per machine / a path
        assert.equal(s.environment[name], value, `${app.name}: ${name}`);
      }
      assert.equal(s.environment.DATA_DIR, '/data');
      for (const name of ['APP_API_TOKEN', 'DAPR_API_TOKEN']) {
        assert.equal(sidecar(app).environment[name], s.environment[name], `${app.name}: ${name} shared with the sidecar`);
        assert.equal(composeOverride.services[app.name].environment[name], name === 'APP_API_TOKEN' ? 'a' : 'b', 'overridable');
        assert.equal(composeOverride.services[`${app.name}-dapr`].environment[name], name === 'APP_API_TOKEN' ? 'a' : 'b');
      }
      assert.equal(s.build.context, REPO);
      assert.equal(path.basename(s.build.dockerfile), 'Dockerfile');
    }
  });

  test("the sidecars' environment: the names stack.sh gives daprd; the secrets file is mounted and points at the compose PostgreSQL", () => {
    for (const app of stack.apps()) {
      const s = sidecar(app);
      assert.deepEqual(Object.keys(s.environment).sort(), stack.daprdEnvNames().sort());
      assert.equal(s.environment.REMINDER_SCHEDULE, stack.reminderSchedule);
      const mount = s.volumes.find((v: any) => v.target === s.environment.TASKSTREAM_SECRETS_FILE);
      assert.ok(mount && mount.read_only, 'the secrets file is mounted read-only');
      const secrets = JSON.parse(readFileSync(mount.source, 'utf8'))['db-secrets'];
      const pg = compose.services.postgres.environment;
      const url = new URL(secrets.DATABASE_URL);
      assert.deepEqual(
        [url.hostname, url.port, url.username, url.password, url.pathname],
        ['postgres', '5432', pg.POSTGRES_USER, pg.POSTGRES_PASSWORD, `/${pg.POSTGRES_DB}`],
      );
      assert.ok(secrets.AUTH_SECRET.length >= 32);
    }
  });

  test('ports: only the API is published, on loopback, 8000 by default and overridable', () => {
    const api = stack.apps().find((a) => a.role === stack.backendRole) as StackApp;
    for (const [name, service] of Object.entries<any>(compose.services)) {
      if (name !== api.name) assert.equal(service.ports, undefined, `${name} publishes nothing`);
    }
    assert.deepEqual(appService(api).ports, [
      { mode: 'ingress', host_ip: '127.0.0.1', target: Number(api.port), published: '8000', protocol: 'tcp' },
    ]);
    assert.equal(composeOverride.services[api.name].ports[0].published, '18000');
  });

  test('components: dapr/components-local with pubsub.yaml pointing at redpanda:9092, which Redpanda advertises; the stack topics exist', () => {
    for (const app of stack.apps()) {
      const mounts = Object.fromEntries(sidecar(app).volumes.map((v: any) => [v.target, v]));
      assert.equal(mounts['/components'].source, path.join(REPO, 'dapr/components-local'), 'the self-hosted components folder');
      assert.equal(mounts['/components/pubsub.yaml'].source, path.join(REPO, 'deploy/compose/pubsub.yaml'));
      assert.ok(mounts['/components'].read_only && mounts['/components/pubsub.yaml'].read_only);
    }
    const local = yamlDocs(read('dapr/components-local/pubsub.yaml'));
    assert.deepEqual(
      local.map((d) => d.metadata.name),
      ['todo-pubsub', 'todo-pubsub-webhooks'],
    );
    for (const doc of local) {
      const brokers = doc.spec.metadata.find((m: any) => m.name === 'brokers');
      assert.equal(brokers.value, '127.0.0.1:9092');
      brokers.value = 'redpanda:9092';
    }
    assert.deepEqual(
      yamlDocs(read('deploy/compose/pubsub.yaml')),
      local,
      'deploy/compose/pubsub.yaml = the self-hosted one but the broker',
    );
    assert.ok(compose.services.redpanda.command.includes('--advertise-kafka-addr=internal://redpanda:9092'));
    const topics = shellDefault(read('scripts/kafka.sh'), 'KAFKA_TOPICS').split(' ');
    const partitions = shellDefault(read('scripts/kafka.sh'), 'KAFKA_PARTITIONS');
    const init = compose.services['redpanda-init'].command.join(' ');
    assert.ok(init.includes(`rpk topic create -X brokers=redpanda:9092 -p ${partitions} -r 1 ${topics.join(' ')}`), init);
  });
});

// ---- Dockerfile ---------------------------------------------------------------------------------

const runtimeStage = () => dockerfile.stages[dockerfile.stages.length - 1];

describe('Dockerfile', () => {
  test('BuildKit parsed it without warnings: multi-stage on one pinned Node 24 base', () => {
    assert.deepEqual(dockerfile.warnings, []);
    assert.ok(dockerfile.stages.length >= 2, 'multi-stage');
    const base = dockerfile.meta_args.NODE_IMAGE;
    assert.match(base, /^node:24\.\d+\.\d+-(bookworm|bullseye|trixie)-slim(@sha256:[0-9a-f]{64})?$/, 'an exact Node 24 release, slim');
    for (const s of dockerfile.stages) assert.equal(s.base, '${NODE_IMAGE}');
  });

  test('builder: npm ci, npm run build, npm prune --omit=dev; the runtime copies only its output', () => {
    const builder = dockerfile.stages[0];
    const runs = builder.commands
      .filter((c: any) => c.name === 'RUN')
      .map((c: any) => c.args.join(' '))
      .join(' && ');
    for (const step of ['npm ci', 'npm run build', 'npm prune --omit=dev']) assert.ok(runs.includes(step), step);
    assert.ok(runs.indexOf('npm run build') < runs.indexOf('npm prune --omit=dev'), 'prune after the build');
    const copies = runtimeStage().commands.filter((c: any) => c.name === 'COPY' || c.name === 'ADD');
    assert.ok(copies.length > 0);
    for (const c of copies) assert.equal(c.from, builder.name, `runtime ${c.original} comes from the builder, not the context`);
    assert.deepEqual(copies.map((c: any) => path.basename(c.dest)).sort(), ['dist', 'node_modules', 'package.json']);
  });

  test('runtime: non-root USER, EXPOSE 8000, HEALTHCHECK on /healthz, CMD the server', () => {
    const cmds = runtimeStage().commands;
    const user = cmds.filter((c: any) => c.name === 'USER').at(-1);
    assert.ok(user, 'a USER');
    assert.doesNotMatch(user.original, /^USER\s+(root|0)(:|\s|$)/);
    assert.ok(cmds.indexOf(user) > cmds.map((c: any) => c.name).lastIndexOf('RUN'), 'no RUN after USER (nothing runs as root later)');
    assert.ok(cmds.some((c: any) => c.name === 'EXPOSE' && c.original === 'EXPOSE 8000'));
    const env = Object.assign({}, ...cmds.filter((c: any) => c.name === 'ENV').map((c: any) => c.vars));
    assert.equal(env.PORT, '8000');
    assert.equal(env.NODE_ENV, 'production');
    const health = cmds.find((c: any) => c.name === 'HEALTHCHECK');
    assert.equal(health.args[0], 'CMD');
    assert.ok(health.args.join(' ').includes('/healthz'));
    assert.deepEqual(cmds.find((c: any) => c.name === 'CMD').args, [
      'node',
      '--import',
      './dist/src/tracing/register.js',
      'dist/src/main.js',
    ]);
  });

  test('no secrets: no secret-like ENV/ARG, and the build context (after .dockerignore) holds only sources', () => {
    for (const s of dockerfile.stages) {
      for (const c of s.commands.filter((x: any) => x.name === 'ENV' || x.name === 'ARG')) {
        for (const name of Object.keys(c.vars)) assert.doesNotMatch(name, /secret|token|password|passwd|api_?key|credential/i, c.original);
      }
    }
    const context = readFileSync(path.join(out, 'context.txt'), 'utf8').trim().split('\n');
    for (const c of dockerfile.stages[0].commands.filter((x: any) => x.name === 'COPY' && !x.from)) {
      for (const src of c.sources)
        assert.ok(
          context.some((f) => f === src || f.startsWith(`${src}/`)),
          `${src} is in the build context`,
        );
    }
    for (const f of context) {
      assert.match(f, /^(package(-lock)?\.json|tsconfig(\.build)?\.json|src\/|web\/)/, `${f} should not be in the build context`);
      assert.doesNotMatch(f, /(^|\/)(node_modules|dist|\.env[^/]*|data)(\/|$)|\.test\.ts$/, f);
    }
  });
});

// ---- CI -------------------------------------------------------------------------------------------

test('CI workflow: install, lint, test with the provisioning scripts; the image is built, smoke-tested and pushed on main only', () => {
  const wf = readYaml('.github/workflows/ci.yml');
  assert.deepEqual(wf.on.push.branches, ['main']);
  const testSteps = wf.jobs.test.steps.map((s: any) => s.run ?? '').join('\n');
  for (const cmd of ['npm ci', 'npm run lint', 'npm test']) assert.ok(testSteps.includes(cmd), cmd);
  assert.ok(wf.jobs.test['timeout-minutes'] <= 90);
  const image = wf.jobs.image;
  assert.equal(image.needs, 'test');
  assert.match(image.if, /github\.ref == 'refs\/heads\/main'/);
  assert.equal(image.permissions.packages, 'write');
  const push = image.steps.find((s: any) => s.with?.push === true);
  assert.ok(push, 'a step pushes');
  assert.ok(image.steps.indexOf(push) > image.steps.findIndex((s: any) => s.name === 'Smoke test'), 'only after the smoke test');
  assert.equal(image.steps.find((s: any) => s.uses?.startsWith('docker/login-action')).with.registry, 'ghcr.io');
});

// ---- opt-in: the Dockerfile rehearsed without Docker ------------------------------------------------

test(
  'dry build: the build context builds, the runtime layout starts as uid 1000 and passes its HEALTHCHECK',
  { timeout: 15 * 60_000 },
  async () => {
    const { stderr } = await run('bash', [path.join(REPO, 'scripts/dry-build-image.sh')], {
      cwd: REPO,
      timeout: 15 * 60_000,
      maxBuffer: 64 << 20,
    });
    assert.match(stderr, /dry build: the image layout builds, starts as uid 1000, passes its HEALTHCHECK/);
  },
);
