/**
 * Whether OpenTelemetry tracing is on, read from the standard OTEL_* variables alone: off by
 * default, on when an exporter is named (OTEL_TRACES_EXPORTER, other than "none") or an OTLP
 * endpoint is given; OTEL_SDK_DISABLED=true wins. Kept free of imports so the --import register
 * module can decide without loading anything.
 */
export function tracingRequested(env: Record<string, string | undefined>): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = env.OTEL_TRACES_EXPORTER?.split(',').map((e) => e.trim().toLowerCase()) ?? [];
  if (exporters.length) return exporters.some((e) => e && e !== 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}
