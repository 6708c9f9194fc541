import { chartJsSource } from '../report/chart-library.js';
import { CHART_BOOTSTRAP_JS } from '../report/chart-page.js';
import {
  durationChart,
  errorGroupsChart,
  paramMetricCharts,
  timelineChart,
  type ChartSpec,
} from '../report/chart-configs.js';
import type { ProjectContext } from './project.js';
import { getSweepErrors } from './sweep-errors.js';
import { getSweepResults } from './sweep-results.js';
import { getSweepStatus } from './sweep-status.js';

// The charts of a sweep for the dashboard: the same configurations the HTML reports draw (report/),
// from the same reads as `hsm status`, `hsm results` and `hsm errors`. The chart configurations
// sample a large sweep's scatters themselves (report/chart-configs.ts), for reports and dashboard alike.

export type { ChartSpec };

export function getSweepCharts(project: ProjectContext, idOrPrefix: string, nowMs = Date.now()): ChartSpec[] {
  const status = getSweepStatus(project, idOrPrefix);
  const results = getSweepResults(project, idOrPrefix);
  const charts = [
    ...paramMetricCharts(results.tasks, results.metric?.name ?? null),
    durationChart(status.tasks),
    timelineChart(status.tasks, nowMs),
  ];
  const errors = getSweepErrors(project, idOrPrefix);
  if (errors.groups.length > 0) charts.push(errorGroupsChart(errors.groups));
  return charts;
}

/** What a page needs to draw chart specs: Chart.js (UMD) and the shared bootstrap, as script text. */
export function chartScriptsText(): { chartJs: string; bootstrap: string } {
  return { chartJs: chartJsSource(), bootstrap: CHART_BOOTSTRAP_JS };
}
