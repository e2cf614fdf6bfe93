/**
 * The analytics use cases the API serves: offer views (batched), metrics and their CSV. The rules and the
 * arithmetic are in analytics/; this is their face toward http.
 */
export { ViewRecorder } from '../analytics/events';
export { computeMetrics, GROUP_DIMENSIONS, metricsCsv, parseMetricsQuery } from '../analytics/metrics';
