/**
 * The operators' side of the metrics: the Grafana dashboard (deploy/grafana) and the Prometheus
 * alert rules (deploy/prometheus). Every query is parsed with Prometheus' own PromQL grammar
 * (@prometheus-io/lezer-promql) and may use only metrics the service exports (read from its
 * prom-client registry, so a renamed metric fails here); the rules also pass `promtool check rules`
 * (promtool built from its Go module by scripts/build-promtool.sh, cached).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';
import { metrics, registry } from '../src/metrics.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DASHBOARD = path.join(ROOT, 'deploy/grafana/taskstream-dashboard.json');
const ALERTS = path.join(ROOT, 'deploy/prometheus/alerts.yaml');

/** Every series name the service exposes: histograms as their _bucket/_sum/_count series. */
function exported(): Set<string> {
  const names = new Set<string>();
  for (const m of registry.getMetricsAsArray()) {
    const type = (m as unknown as { type: string }).type;
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    else if (type === 'summary') for (const s of ['', '_sum', '_count']) names.add(m.name + s);
    else names.add(m.name);
  }
  return names;
}

/** The metric names a PromQL expression selects; throws on a syntax error. */
function selectedMetrics(expr: string): string[] {
  const names: string[] = [];
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: ${JSON.stringify(expr.slice(node.from, node.from + 20))}`);
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier');
        if (id) names.push(expr.slice(id.from, id.to));
      }
    },
  });
  if (errors.length) throw new Error(`PromQL syntax error in ${JSON.stringify(expr)} ${errors.join('; ')}`);
  return names;
}

const baseName = (series: string) => series.replace(/_(bucket|sum|count)$/, '');

test('the PromQL check itself: it rejects bad syntax and finds the selected metrics', () => {
  assert.throws(() => selectedMetrics('sum(rate(outbox_lag_seconds[5m])'), /syntax error/);
  assert.throws(() => selectedMetrics('max(outbox_lag_seconds) >'), /syntax error/);
  assert.deepEqual(selectedMetrics('histogram_quantile(0.9, sum by (le) (rate(a_bucket{x="1"}[5m]))) / on() b'), ['a_bucket', 'b']);
});

test('every Grafana panel queries metrics the service exports, and every operator metric is on the dashboard', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    uid: string;
    panels: { id: number; title: string; targets?: { expr: string; refId: string }[] }[];
  };
  assert.ok(dashboard.uid && dashboard.panels.length >= 8);
  const names = exported();
  const used = new Set<string>();
  const ids = new Set<number>();
  for (const panel of dashboard.panels) {
    assert.ok(!ids.has(panel.id), `panel id ${panel.id} is unique`);
    ids.add(panel.id);
    assert.ok(panel.targets?.length, `panel "${panel.title}" has a query`);
    for (const t of panel.targets) {
      const selected = selectedMetrics(t.expr);
      assert.ok(selected.length, `panel "${panel.title}" ${t.refId} selects a metric`);
      for (const m of selected) {
        assert.ok(names.has(m), `panel "${panel.title}": ${m} is not a metric the service exports`);
        used.add(baseName(m));
      }
    }
  }
  for (const m of Object.values(metrics)) {
    const name = (m as unknown as { name: string }).name;
    assert.ok(used.has(name), `${name} is exported but on no panel`);
  }
});

test('the alert rules: outbox lag, dead-letter growth and reminder lateness, on exported metrics', () => {
  const rules = parseYaml(readFileSync(ALERTS, 'utf8')) as {
    groups: { name: string; rules: { alert: string; expr: string; for?: string }[] }[];
  };
  const all = rules.groups.flatMap((g) => g.rules);
  const names = exported();
  const uses = new Map<string, string[]>();
  for (const r of all) {
    assert.ok(/^[A-Z][A-Za-z]+$/.test(r.alert), `alert name ${r.alert}`);
    const selected = selectedMetrics(r.expr);
    for (const m of selected) assert.ok(names.has(m), `alert ${r.alert}: ${m} is not a metric the service exports`);
    uses.set(r.alert, selected.map(baseName));
  }
  const alertOn = (metric: string) => [...uses].filter(([, ms]) => ms.includes(metric)).map(([a]) => a);
  assert.ok(alertOn('outbox_lag_seconds').length, 'an alert on outbox lag');
  assert.ok(alertOn('event_dead_letters_total').length, 'an alert on dead-letter growth');
  assert.ok(alertOn('reminder_lateness_seconds').length, 'an alert on reminder lateness');
});
